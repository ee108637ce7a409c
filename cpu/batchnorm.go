package cpu

import (
	"math"
	"unsafe"

	"gogan/nn"
)

// BatchNormForward implements nn.Backend. Statistics are accumulated in float64 so that they
// do not drift with the batch size.
func (b *Backend) BatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *nn.Tensor, p nn.BatchNormParams) {
	g, err := nn.CheckBatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd, p)
	must(err)
	n, c, s := g.N, g.C, g.S
	t := &b.tasks.batchNorm
	*t = batchNormTask{out: out.Host, x: x.Host, weight: weight.Host, bias: bias.Host,
		runningMean: runningMean.Host, runningVar: runningVar.Host,
		saveMean: saveMean.Host, saveInvStd: saveInvStd.Host, n: n, c: c, s: s, p: p}
	parallelFor(t, c, rowGrain(n*s))
}

// batchNormTask normalises x (N, C, S); a unit of work is one channel.
type batchNormTask struct {
	out, x, weight, bias                          []float32
	runningMean, runningVar, saveMean, saveInvStd []float32
	n, c, s                                       int
	p                                             nn.BatchNormParams
}

func (t *batchNormTask) Run(lo, hi int) {
	n, c, s := t.n, t.c, t.s
	for ch := lo; ch < hi; ch++ {
		var mean, invStd float64
		if t.p.Training {
			var variance float64
			mean, variance = t.moments(ch)
			invStd = 1 / math.Sqrt(variance+float64(t.p.Eps))
			m := float64(n * s)
			t.saveMean[ch], t.saveInvStd[ch] = float32(mean), float32(invStd)
			mom := float64(t.p.Momentum)
			t.runningMean[ch] = float32((1-mom)*float64(t.runningMean[ch]) + mom*mean)
			t.runningVar[ch] = float32((1-mom)*float64(t.runningVar[ch]) + mom*variance*m/(m-1))
		} else {
			mean = float64(t.runningMean[ch])
			invStd = 1 / math.Sqrt(float64(t.runningVar[ch])+float64(t.p.Eps))
		}
		w := float64(t.weight[ch])
		scale := float32(w * invStd)
		shift := float32(float64(t.bias[ch]) - mean*w*invStd)
		for i := range n {
			src := t.x[(i*c+ch)*s:][:s]
			dst := t.out[(i*c+ch)*s:][:s]
			if useAVX512 {
				scaleShiftAVX512(unsafe.SliceData(dst), unsafe.SliceData(src), s, scale, shift)
				continue
			}
			for j, v := range src {
				dst[j] = float32(v*scale) + shift // not fused, as in the assembly
			}
		}
	}
}

// moments returns the mean and the biased variance of channel ch in one pass. The sums are
// of differences from the channel's first value, in float64: with that shift the variance
// Σd²/M − (Σd/M)² loses nothing to cancellation unless the values are ~1e8 standard
// deviations from the first.
func (t *batchNormTask) moments(ch int) (mean, variance float64) {
	n, c, s := t.n, t.c, t.s
	shift := float64(t.x[ch*s])
	var s1, s2 float64
	for i := range n {
		v := t.x[(i*c+ch)*s:][:s]
		var p1, p2 float64
		if useAVX512 {
			p1, p2 = shiftedSumsAVX512(unsafe.SliceData(v), s, shift)
		} else {
			p1, p2 = shiftedSums(v, shift)
		}
		s1 += p1
		s2 += p2
	}
	m := float64(n * s)
	d1 := s1 / m
	return shift + d1, max(s2/m-d1*d1, 0)
}

// shiftedSums returns Σd and Σd² over v for d = v−shift, in float64, in two chains of sums
// so that the adds overlap.
func shiftedSums(v []float32, shift float64) (s1, s2 float64) {
	var a1, a2, b1, b2 float64
	j := 0
	for ; j+2 <= len(v); j += 2 {
		w := v[j : j+2 : j+2]
		da, db := float64(w[0])-shift, float64(w[1])-shift
		a1, a2 = a1+da, a2+da*da
		b1, b2 = b1+db, b2+db*db
	}
	if j < len(v) {
		d := float64(v[j]) - shift
		a1, a2 = a1+d, a2+d*d
	}
	return a1 + b1, a2 + b2
}

// gradSums returns Σdy and Σdy·(x−mean) in float64, in two chains of sums.
func gradSums(dy, x []float32, mean float64) (sdy, sdyx float64) {
	x = x[:len(dy)]
	var a1, a2, b1, b2 float64
	j := 0
	for ; j+2 <= len(dy); j += 2 {
		g, w := dy[j:j+2:j+2], x[j:j+2:j+2]
		ga, gb := float64(g[0]), float64(g[1])
		a1, a2 = a1+ga, a2+ga*(float64(w[0])-mean)
		b1, b2 = b1+gb, b2+gb*(float64(w[1])-mean)
	}
	if j < len(dy) {
		g := float64(dy[j])
		a1, a2 = a1+g, a2+g*(float64(x[j])-mean)
	}
	return a1 + b1, a2 + b2
}

// BatchNormBackward implements nn.Backend: with x̂ = (x−μ)·σ⁻¹ and M = N·S values per channel,
// dx = w·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)).
func (b *Backend) BatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *nn.Tensor) {
	g, err := nn.CheckBatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd)
	must(err)
	n, c, s := g.N, g.C, g.S
	t := &b.tasks.batchNormDX
	*t = batchNormGradTask{dy: dout.Host, x: x.Host, weight: weight.Host,
		saveMean: saveMean.Host, saveInvStd: saveInvStd.Host, n: n, c: c, s: s}
	if dx != nil {
		t.dx = dx.Host
	}
	if dweight != nil {
		t.dweight = dweight.Host
	}
	if dbias != nil {
		t.dbias = dbias.Host
	}
	parallelFor(t, c, rowGrain(n*s))
}

// batchNormGradTask is BatchNorm's backward pass; a unit of work is one channel. Nil
// gradient outputs are not computed.
type batchNormGradTask struct {
	dx, dweight, dbias                  []float32
	dy, x, weight, saveMean, saveInvStd []float32
	n, c, s                             int
}

func (t *batchNormGradTask) Run(lo, hi int) {
	n, c, s := t.n, t.c, t.s
	m := float64(n * s)
	for ch := lo; ch < hi; ch++ {
		mean, invStd := float64(t.saveMean[ch]), float64(t.saveInvStd[ch])
		var sumDy, sumDyXc float64 // Σdy and Σdy·(x−μ)
		for i := range n {
			dy, x := t.dy[(i*c+ch)*s:][:s], t.x[(i*c+ch)*s:][:s]
			var p1, p2 float64
			if useAVX512 {
				p1, p2 = gradSumsAVX512(unsafe.SliceData(dy), unsafe.SliceData(x), s, mean)
			} else {
				p1, p2 = gradSums(dy, x, mean)
			}
			sumDy += p1
			sumDyXc += p2
		}
		sumDyXhat := sumDyXc * invStd
		if t.dweight != nil {
			t.dweight[ch] += float32(sumDyXhat)
		}
		if t.dbias != nil {
			t.dbias[ch] += float32(sumDy)
		}
		if t.dx == nil {
			continue
		}
		// dx = k·(M·dy − Σdy − x̂·Σ(dy·x̂)) = a·dy + b·(x−μ) + c0. The coefficients come from
		// the float64 sums; the float32 terms are of the size of dx, so float32 arithmetic
		// leaves dx within a few units in its last place.
		k := float64(t.weight[ch]) * invStd / m
		a, bx, c0 := float32(k*m), float32(-k*invStd*sumDyXhat), float32(-k*sumDy)
		mu := t.saveMean[ch]
		for i := range n {
			xs, dys := t.x[(i*c+ch)*s:][:s], t.dy[(i*c+ch)*s:][:s]
			dst := t.dx[(i*c+ch)*s:][:s]
			if useAVX512 {
				bnGradAVX512(unsafe.SliceData(dst), unsafe.SliceData(dys), unsafe.SliceData(xs), s, a, bx, mu, c0)
				continue
			}
			xs, dst = xs[:len(dys)], dst[:len(dys)]
			for j, g := range dys {
				dst[j] = float32(a*g) + float32(bx*(xs[j]-mu)) + c0 // not fused, as in the assembly
			}
		}
	}
}
