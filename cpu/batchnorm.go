package cpu

import (
	"math"

	"gogan/nn"
)

// BatchNormForward implements nn.Backend. Statistics are accumulated in float64 so that they
// do not drift with the batch size.
func (b *Backend) BatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *nn.Tensor, p nn.BatchNormParams) {
	n, c, s := x.Shape[0], x.Shape[1], x.Shape[2]
	checkShape("BatchNormForward", "output", out, n, c, s)
	for _, t := range [...]*nn.Tensor{weight, bias, runningMean, runningVar, saveMean, saveInvStd} {
		checkShape("BatchNormForward", "per-channel tensor", t, c)
	}
	if p.Training && n*s < 2 {
		panic("cpu: BatchNormForward in training needs more than one value per channel")
	}
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

func (t *batchNormTask) run(lo, hi int) {
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
			dst = dst[:len(src)]
			for j, v := range src {
				dst[j] = v*scale + shift
			}
		}
	}
}

// moments returns the mean and the biased variance of channel ch in one pass. The sums are
// of differences from the channel's first value, in float64: with that shift the variance
// Σd²/M − (Σd/M)² loses nothing to cancellation unless the values are ~1e8 standard
// deviations from the first, and two chains of sums keep the adder busy.
func (t *batchNormTask) moments(ch int) (mean, variance float64) {
	n, c, s := t.n, t.c, t.s
	shift := float64(t.x[ch*s])
	var s1a, s2a, s1b, s2b float64
	for i := range n {
		v := t.x[(i*c+ch)*s:][:s]
		j := 0
		for ; j+1 < len(v); j += 2 {
			da, db := float64(v[j])-shift, float64(v[j+1])-shift
			s1a += da
			s2a += da * da
			s1b += db
			s2b += db * db
		}
		if j < len(v) {
			d := float64(v[j]) - shift
			s1a += d
			s2a += d * d
		}
	}
	m := float64(n * s)
	d1 := (s1a + s1b) / m
	return shift + d1, max((s2a+s2b)/m-d1*d1, 0)
}

// BatchNormBackward implements nn.Backend: with x̂ = (x−μ)·σ⁻¹ and M = N·S values per channel,
// dx = w·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)).
func (b *Backend) BatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *nn.Tensor) {
	n, c, s := x.Shape[0], x.Shape[1], x.Shape[2]
	checkShape("BatchNormBackward", "dout", dout, n, c, s)
	t := &b.tasks.batchNormDX
	*t = batchNormGradTask{dy: dout.Host, x: x.Host, weight: weight.Host,
		saveMean: saveMean.Host, saveInvStd: saveInvStd.Host, n: n, c: c, s: s}
	if dx != nil {
		checkShape("BatchNormBackward", "dx", dx, n, c, s)
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

func (t *batchNormGradTask) run(lo, hi int) {
	n, c, s := t.n, t.c, t.s
	m := float64(n * s)
	for ch := lo; ch < hi; ch++ {
		mean, invStd := float64(t.saveMean[ch]), float64(t.saveInvStd[ch])
		// Σdy and Σdy·(x−μ), two chains each.
		var dyA, dyB, dxA, dxB float64
		for i := range n {
			xs, dys := t.x[(i*c+ch)*s:][:s], t.dy[(i*c+ch)*s:][:s]
			xs = xs[:len(dys)]
			j := 0
			for ; j+1 < len(dys); j += 2 {
				ga, gb := float64(dys[j]), float64(dys[j+1])
				dyA += ga
				dxA += ga * (float64(xs[j]) - mean)
				dyB += gb
				dxB += gb * (float64(xs[j+1]) - mean)
			}
			if j < len(dys) {
				g := float64(dys[j])
				dyA += g
				dxA += g * (float64(xs[j]) - mean)
			}
		}
		sumDy, sumDyXhat := dyA+dyB, (dxA+dxB)*invStd
		if t.dweight != nil {
			t.dweight[ch] += float32(sumDyXhat)
		}
		if t.dbias != nil {
			t.dbias[ch] += float32(sumDy)
		}
		if t.dx == nil {
			continue
		}
		// dx = k·(M·dy − Σdy − x̂·Σ(dy·x̂)) as one multiply-add per term, in float64.
		k := float64(t.weight[ch]) * invStd / m
		a, bx, c0 := k*m, -k*invStd*sumDyXhat, -k*sumDy
		for i := range n {
			xs, dys := t.x[(i*c+ch)*s:][:s], t.dy[(i*c+ch)*s:][:s]
			dst := t.dx[(i*c+ch)*s:][:s]
			xs, dst = xs[:len(dys)], dst[:len(dys)]
			for j, g := range dys {
				dst[j] = float32(a*float64(g) + bx*(float64(xs[j])-mean) + c0)
			}
		}
	}
}
