package cpu_test

import (
	"fmt"
	"math"
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// tolStats: the statistics are accumulated in float64 and stored in float32, so against a
// float64 computation from the same inputs only float32 rounding remains (NMSE ~1e-15); a
// biased running variance or a momentum applied the wrong way round gives 1e-3 or more.
const tolStats = 1e-12

// bnStats is the float64 per-channel mean and biased variance of x (N, C, S).
func bnStats(x []float64, n, c, s int) (mean, variance []float64) {
	mean, variance = make([]float64, c), make([]float64, c)
	m := float64(n * s)
	for ch := 0; ch < c; ch++ {
		for i := 0; i < n; i++ {
			for _, v := range x[(i*c+ch)*s:][:s] {
				mean[ch] += v / m
			}
		}
		for i := 0; i < n; i++ {
			for _, v := range x[(i*c+ch)*s:][:s] {
				variance[ch] += (v - mean[ch]) * (v - mean[ch]) / m
			}
		}
	}
	return mean, variance
}

// TestBatchNormStatistics checks what the gradient checks cannot see: the saved batch
// statistics and the running ones after a training forward (PyTorch's momentum rule with the
// unbiased variance), and the evaluation forward, which normalises with the running
// statistics and changes no statistic.
func TestBatchNormStatistics(t *testing.T) {
	for i, sh := range [][3]int{{5, 3, 1}, {2, 4, 6}} {
		n, c, s := sh[0], sh[1], sh[2]
		for _, p := range []nn.BatchNormParams{{Momentum: 0.1, Eps: 1e-5}, {Momentum: 0.35, Eps: 1e-2}} {
			t.Run(fmt.Sprintf("N%d_C%d_S%d/momentum=%g,eps=%g", n, c, s, p.Momentum, p.Eps), func(t *testing.T) {
				rng := nntest.NewRand(uint64(700 + i))
				x := nntest.Randn(rng, n*c*s, 3)
				w, bias := nntest.Randn(rng, c, 1), nntest.Randn(rng, c, 1)
				rm0, rv0 := nntest.Randn(rng, c, 1), nntest.Randn(rng, c, 0.5)
				for j := range rv0 {
					rv0[j] = float64(float32(math.Abs(rv0[j]) + 0.5))
				}
				b := cpu.New()
				xt, wt, bt := nntest.TensorOf(b, x, n, c, s), nntest.TensorOf(b, w, c), nntest.TensorOf(b, bias, c)
				rm, rv := nntest.TensorOf(b, rm0, c), nntest.TensorOf(b, rv0, c)
				mean, invStd, out := b.New(c), b.New(c), b.New(n, c, s)

				train := p
				train.Training = true
				b.BatchNormForward(out, xt, wt, bt, rm, rv, mean, invStd, train)
				mu, variance := bnStats(x, n, c, s)
				m, mom := float64(n*s), float64(p.Momentum)
				wantInv, wantRM, wantRV := make([]float64, c), make([]float64, c), make([]float64, c)
				for ch := range mu {
					wantInv[ch] = 1 / math.Sqrt(variance[ch]+float64(p.Eps))
					wantRM[ch] = (1-mom)*rm0[ch] + mom*mu[ch]
					wantRV[ch] = (1-mom)*rv0[ch] + mom*variance[ch]*m/(m-1)
				}
				nntest.CheckNMSE(t, "saved mean", nntest.To64(mean.Host), mu, tolStats)
				nntest.CheckNMSE(t, "saved 1/std", nntest.To64(invStd.Host), wantInv, tolStats)
				nntest.CheckNMSE(t, "running_mean", nntest.To64(rm.Host), wantRM, tolStats)
				nntest.CheckNMSE(t, "running_var", nntest.To64(rv.Host), wantRV, tolStats)

				savedMean, savedInv := nntest.To64(mean.Host), nntest.To64(invStd.Host)
				runMean, runVar := nntest.To64(rm.Host), nntest.To64(rv.Host)
				eval := p
				eval.Training = false
				b.BatchNormForward(out, xt, wt, bt, rm, rv, mean, invStd, eval)
				want := make([]float64, len(x))
				for j, v := range x {
					ch := j / s % c
					want[j] = (v-runMean[ch])/math.Sqrt(runVar[ch]+float64(p.Eps))*w[ch] + bias[ch]
				}
				nntest.CheckNMSE(t, "evaluation output", nntest.To64(out.Host), want, tolStats)
				nntest.CheckNMSE(t, "running_mean after evaluation", nntest.To64(rm.Host), runMean, 0)
				nntest.CheckNMSE(t, "running_var after evaluation", nntest.To64(rv.Host), runVar, 0)
				nntest.CheckNMSE(t, "saved mean after evaluation", nntest.To64(mean.Host), savedMean, 0)
				nntest.CheckNMSE(t, "saved 1/std after evaluation", nntest.To64(invStd.Host), savedInv, 0)
			})
		}
	}
}
