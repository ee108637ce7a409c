package cpu

import (
	"fmt"
	"math"

	"gogan/nn"
)

// ActivationForward implements nn.Backend.
func (b *Backend) ActivationForward(out, x *nn.Tensor, a nn.Activation) {
	checkShape("ActivationForward", "output", out, x.Shape...)
	src, dst := x.Host, out.Host
	parallelFor(len(src), elementGrain, func(lo, hi int) {
		s, d := src[lo:hi], dst[lo:hi]
		switch a.Kind {
		case nn.ReLU:
			for i, v := range s {
				d[i] = max(v, 0)
			}
		case nn.LeakyReLU:
			for i, v := range s {
				if v < 0 {
					v *= a.Slope
				}
				d[i] = v
			}
		case nn.Tanh:
			for i, v := range s {
				d[i] = float32(math.Tanh(float64(v)))
			}
		case nn.Sigmoid:
			for i, v := range s {
				d[i] = sigmoid32(v)
			}
		default:
			panic(fmt.Sprintf("cpu: unknown activation %v", a))
		}
	})
}

// ActivationBackward implements nn.Backend.
func (b *Backend) ActivationBackward(dx, dout, x, out *nn.Tensor, a nn.Activation) {
	if dx == nil {
		return
	}
	checkShape("ActivationBackward", "dx", dx, dout.Shape...)
	dy, xs, ys, d := dout.Host, x.Host, out.Host, dx.Host
	parallelFor(len(dy), elementGrain, func(lo, hi int) {
		switch a.Kind {
		case nn.ReLU:
			for i := lo; i < hi; i++ {
				if xs[i] > 0 {
					d[i] = dy[i]
				} else {
					d[i] = 0
				}
			}
		case nn.LeakyReLU:
			for i := lo; i < hi; i++ {
				if xs[i] > 0 {
					d[i] = dy[i]
				} else {
					d[i] = dy[i] * a.Slope
				}
			}
		case nn.Tanh:
			for i := lo; i < hi; i++ {
				d[i] = dy[i] * (1 - ys[i]*ys[i])
			}
		case nn.Sigmoid:
			for i := lo; i < hi; i++ {
				d[i] = dy[i] * ys[i] * (1 - ys[i])
			}
		default:
			panic(fmt.Sprintf("cpu: unknown activation %v", a))
		}
	})
}

func sigmoid32(v float32) float32 { return float32(Sigmoid(float64(v))) }

// Sigmoid is 1/(1+e^−x), computed without overflow for logits of any size.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// Softplus is log(1+eˣ), computed without overflow or loss of precision for any x.
func Softplus(x float64) float64 { return max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

// LossTermValue returns f(x) and f'(x) for a loss term: the reference that every backend's
// LogitLoss follows.
func LossTermValue(f nn.LossTerm, x float64) (value, grad float64) {
	switch f {
	case nn.TermSoftplusNeg:
		return Softplus(-x), Sigmoid(x) - 1
	case nn.TermSoftplus:
		return Softplus(x), Sigmoid(x)
	case nn.TermNegSoftplus:
		return -Softplus(x), -Sigmoid(x)
	case nn.TermSquareOne:
		return 0.5 * (x - 1) * (x - 1), x - 1
	case nn.TermSquareZero:
		return 0.5 * x * x, x
	case nn.TermHingeOne:
		if x < 1 {
			return 1 - x, -1
		}
		return 0, 0
	case nn.TermHingeNegOne:
		if x > -1 {
			return 1 + x, 1
		}
		return 0, 0
	case nn.TermNeg:
		return -x, -1
	case nn.TermIdentity:
		return x, 1
	}
	panic(fmt.Sprintf("cpu: unknown loss term %d", f))
}

// LogitLoss implements nn.Backend.
func (b *Backend) LogitLoss(stats, dlogits, logits *nn.Tensor, f nn.LossTerm, scale float32) {
	n := logits.Len()
	checkShape("LogitLoss", "stats", stats, 3)
	if dlogits != nil {
		checkLen("LogitLoss dlogits", dlogits, n)
	}
	var sum, sumSig, sumX float64
	for i, v := range logits.Host {
		x := float64(v)
		val, g := LossTermValue(f, x)
		sum += val
		sumSig += Sigmoid(x)
		sumX += x
		if dlogits != nil {
			dlogits.Host[i] = float32(float64(scale) * g / float64(n))
		}
	}
	stats.Host[0] = float32(sum / float64(n))
	stats.Host[1] = float32(sumSig / float64(n))
	stats.Host[2] = float32(sumX / float64(n))
}

// AdamStep implements nn.Backend with the arithmetic of PyTorch's Adam.
func (b *Backend) AdamStep(params, grads, m, v *nn.Tensor, p nn.AdamParams) {
	n := params.Len()
	for _, t := range []*nn.Tensor{grads, m, v} {
		checkLen("AdamStep", t, n)
	}
	bc1 := 1 - math.Pow(float64(p.Beta1), float64(p.Step))
	bc2 := 1 - math.Pow(float64(p.Beta2), float64(p.Step))
	stepSize := float32(float64(p.LR) / bc1)
	bc2Sqrt := float32(math.Sqrt(bc2))
	b1, b2, wd, eps := p.Beta1, p.Beta2, p.WeightDecay, p.Eps
	ps, gs, ms, vs := params.Host, grads.Host, m.Host, v.Host
	parallelFor(n, elementGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := gs[i]
			if wd != 0 {
				g += wd * ps[i]
			}
			ms[i] = ms[i]*b1 + (1-b1)*g
			vs[i] = vs[i]*b2 + (1-b2)*g*g
			denom := float32(math.Sqrt(float64(vs[i])))/bc2Sqrt + eps
			ps[i] -= stepSize * ms[i] / denom
		}
	})
}

// SGDStep implements nn.Backend with PyTorch's SGD (momentum without dampening).
func (b *Backend) SGDStep(params, grads, velocity *nn.Tensor, p nn.SGDParams) {
	n := params.Len()
	checkLen("SGDStep", grads, n)
	ps, gs := params.Host, grads.Host
	var vs []float32
	if velocity != nil {
		checkLen("SGDStep", velocity, n)
		vs = velocity.Host
	}
	parallelFor(n, elementGrain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := gs[i] + p.WeightDecay*ps[i]
			if vs != nil && p.Momentum != 0 {
				vs[i] = p.Momentum*vs[i] + g
				g = vs[i]
			}
			ps[i] -= p.LR * g
		}
	})
}
