package cpu

import (
	"fmt"
	"math"

	"gogan/nn"
)

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
	n, err := nn.CheckLogitLoss(stats, dlogits, logits, f)
	must(err)
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
