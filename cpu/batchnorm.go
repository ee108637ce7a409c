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
	for _, t := range []*nn.Tensor{weight, bias, runningMean, runningVar, saveMean, saveInvStd} {
		checkShape("BatchNormForward", "per-channel tensor", t, c)
	}
	m := n * s
	if p.Training && m < 2 {
		panic("cpu: BatchNormForward in training needs more than one value per channel")
	}
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var mean, invStd float64
			if p.Training {
				var sum float64
				for i := 0; i < n; i++ {
					for _, v := range x.Host[(i*c+ch)*s:][:s] {
						sum += float64(v)
					}
				}
				mean = sum / float64(m)
				var sq float64
				for i := 0; i < n; i++ {
					for _, v := range x.Host[(i*c+ch)*s:][:s] {
						d := float64(v) - mean
						sq += d * d
					}
				}
				variance := sq / float64(m)
				invStd = 1 / math.Sqrt(variance+float64(p.Eps))
				saveMean.Host[ch], saveInvStd.Host[ch] = float32(mean), float32(invStd)
				mom := float64(p.Momentum)
				runningMean.Host[ch] = float32((1-mom)*float64(runningMean.Host[ch]) + mom*mean)
				runningVar.Host[ch] = float32((1-mom)*float64(runningVar.Host[ch]) + mom*variance*float64(m)/float64(m-1))
			} else {
				mean = float64(runningMean.Host[ch])
				invStd = 1 / math.Sqrt(float64(runningVar.Host[ch])+float64(p.Eps))
			}
			scale := float32(float64(weight.Host[ch]) * invStd)
			shift := float32(float64(bias.Host[ch]) - mean*float64(weight.Host[ch])*invStd)
			for i := 0; i < n; i++ {
				src, dst := x.Host[(i*c+ch)*s:][:s], out.Host[(i*c+ch)*s:][:s]
				for j, v := range src {
					dst[j] = v*scale + shift
				}
			}
		}
	})
}

// BatchNormBackward implements nn.Backend: with x̂ = (x−μ)·σ⁻¹ and M = N·S values per channel,
// dx = w·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)).
func (b *Backend) BatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *nn.Tensor) {
	n, c, s := x.Shape[0], x.Shape[1], x.Shape[2]
	checkShape("BatchNormBackward", "dout", dout, n, c, s)
	m := float64(n * s)
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			mean, invStd := float64(saveMean.Host[ch]), float64(saveInvStd.Host[ch])
			var sumDy, sumDyXhat float64
			for i := 0; i < n; i++ {
				xs, dys := x.Host[(i*c+ch)*s:][:s], dout.Host[(i*c+ch)*s:][:s]
				for j, dy := range dys {
					sumDy += float64(dy)
					sumDyXhat += float64(dy) * (float64(xs[j]) - mean) * invStd
				}
			}
			if dweight != nil {
				dweight.Host[ch] += float32(sumDyXhat)
			}
			if dbias != nil {
				dbias.Host[ch] += float32(sumDy)
			}
			if dx == nil {
				continue
			}
			k := float64(weight.Host[ch]) * invStd / m
			for i := 0; i < n; i++ {
				xs, dys := x.Host[(i*c+ch)*s:][:s], dout.Host[(i*c+ch)*s:][:s]
				dst := dx.Host[(i*c+ch)*s:][:s]
				for j, dy := range dys {
					xhat := (float64(xs[j]) - mean) * invStd
					dst[j] = float32(k * (m*float64(dy) - sumDy - xhat*sumDyXhat))
				}
			}
		}
	})
}
