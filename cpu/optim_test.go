package cpu_test

import (
	"fmt"
	"math"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// The optimiser checks run several steps of the backend's update and of a float64
// transcription of PyTorch's (torch/optim/adam.py, single-tensor path, L2 weight decay, no
// amsgrad) from the same start and gradients, and compare the parameters' total change and
// the state buffers after every step. Comparing the change rather than the parameters keeps
// the check sensitive to the update: the update of one step is ~lr, far below the
// parameters themselves.

// tolOptim: float32 rounding of O(1) values through a handful of steps leaves NMSE ~1e-13
// (measured); a wrong bias correction or a decay applied after the moments gives ~1e-3.
const tolOptim = 1e-10

// optimGrads draws the gradients of several steps with magnitudes from 1e-6 to 1e2, so that
// Adam's scale invariance and its eps both matter; one element stays 0 throughout.
func optimGrads(seed uint64, steps, n int) [][]float64 {
	rng := newRand(seed)
	mag := make([]float64, n)
	for i := range mag {
		mag[i] = math.Pow(10, -6+8*float64(i)/float64(n-1))
	}
	gs := make([][]float64, steps)
	for s := range gs {
		gs[s] = randn(rng, n, 1)
		for i := range gs[s] {
			gs[s][i] = float64(float32(gs[s][i] * mag[i]))
		}
		gs[s][0] = 0
	}
	return gs
}

func TestAdamStep(t *testing.T) {
	const n, steps = 64, 6
	// The parameters start at the scale of the learning rate's setting: float32 stores them to
	// about 6e-8·|p|, which must stay well below an update of ~lr for tolOptim to hold.
	for _, c := range []struct {
		p    nn.AdamParams
		pStd float64
	}{
		{nn.AdamParams{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}, 0.02},                 // DCGAN, its N(0, 0.02) weights
		{nn.AdamParams{LR: 1e-2, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}, 1}, // PyTorch defaults with decay
		{nn.AdamParams{LR: 5e-2, Beta1: 0, Beta2: 0.9, Eps: 1e-6, WeightDecay: 0.5}, 1},
	} {
		p := c.p
		name := fmt.Sprintf("lr=%g,betas=%g,%g,eps=%g,wd=%g", p.LR, p.Beta1, p.Beta2, p.Eps, p.WeightDecay)
		t.Run(name, func(t *testing.T) {
			b := cpu.New()
			p0 := randn(newRand(7), n, c.pStd)
			params, grads, m, v := tensorOf(b, p0, n), b.New(n), b.New(n), b.New(n)
			ref := append([]float64(nil), p0...)
			rm, rv := make([]float64, n), make([]float64, n)
			b1, b2, lr, eps, wd := float64(p.Beta1), float64(p.Beta2), float64(p.LR), float64(p.Eps), float64(p.WeightDecay)
			for s, g := range optimGrads(8, steps, n) {
				b.Upload(grads, to32(g))
				q := p
				q.Step = s + 1
				b.AdamStep(params, grads, m, v, q)

				bc1 := 1 - math.Pow(b1, float64(s+1))
				bc2 := 1 - math.Pow(b2, float64(s+1))
				for i := range ref {
					gi := g[i] + wd*ref[i]
					rm[i] = b1*rm[i] + (1-b1)*gi
					rv[i] = b2*rv[i] + (1-b2)*gi*gi
					denom := math.Sqrt(rv[i])/math.Sqrt(bc2) + eps
					ref[i] -= lr / bc1 * rm[i] / denom
				}
				t.Run(fmt.Sprintf("step%d", s+1), func(t *testing.T) {
					checkNMSE(t, "parameter change", delta(to64(params.Host), p0), delta(ref, p0), tolOptim)
					checkNMSE(t, "exp_avg", to64(m.Host), rm, tolOptim)
					checkNMSE(t, "exp_avg_sq", to64(v.Host), rv, tolOptim)
				})
			}
		})
	}
}

// delta is a − b.
func delta(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for i := range a {
		out[i] = a[i] - b[i]
	}
	return out
}
