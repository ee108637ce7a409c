//go:build cuda

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// TestStepParity runs one training step on both backends from the same weights and data, in
// its two stages, and checks each stage's results with tolerances derived from the float32
// rounding of the step (stepTolerance), not chosen to fit:
//   - D's stage: the losses, D's outputs and gradients, compared between the backends;
//     D's Adam update, checked on each backend against Adam computed in float64 from that
//     backend's own gradients (adamFloat64). Comparing the updated weights between the
//     backends would not be tight: Adam's first step moves each weight by about ±lr whatever
//     the gradient's size, so a gradient within rounding of zero moves its weight the other
//     way on the other backend;
//   - G's stage, from the same updated D on both (the CPU's, uploaded to the GPU), for the
//     same reason: G's gradients through the GPU's own updated D would differ by the flipped
//     weights, not by rounding; then G's gradients, under a tolerance that measures how
//     ill-conditioned they are (gStageOfPerturbedD), its Adam update as D's, and the running
//     statistics.
func TestStepParity(t *testing.T) {
	for _, c := range append(append(append([]stepCase(nil), stepCases...), familyCases...), productionCases...) {
		t.Run(c.name(), func(t *testing.T) {
			bs := backends(t)
			var gans [2]*train.GAN
			var fakes, reals, zs [2]*nn.Tensor
			var res [2]map[string][]float32
			for i, b := range bs {
				gans[i] = buildGAN(t, b, c.model(), c.batch, 5)
				zs[i] = b.New(c.batch, c.model().NZ, 1, 1)
				reals[i] = upload(t, gans[i], c, 1, zs[i])
				res[i] = map[string][]float32{}
			}
			for i, gan := range gans {
				fakes[i] = gan.DiscriminatorGrads(reals[i], zs[i])
				checkAdamStep(t, bs[i].Name()+": D's Adam step", gan.D, gan.OptD, res[i], "D")
			}
			// G's stage from the CPU's updated D on both backends.
			bs[1].Upload(gans[1].D.Params, res[0]["D.params after"])
			for i, gan := range gans {
				gan.GeneratorGrads(fakes[i])
				checkAdamStep(t, bs[i].Name()+": G's Adam step", gan.G, gan.OptG, res[i], "G")
				res[i]["G.buffers"] = host(bs[i], gan.G.Buffers)
				res[i]["D.buffers"] = host(bs[i], gan.D.Buffers)
				s := gan.StatsOf()
				res[i]["losses and D outputs"] = s[:]
				if err := bs[i].Sync(); err != nil {
					t.Fatalf("%s: %v", bs[i].Name(), err)
				}
			}
			tol := stepTolerance(c, gans[0])
			for _, name := range []string{"losses and D outputs", "D.grads", "G.buffers", "D.buffers"} {
				nntest.CheckNMSE(t, name, res[1][name], res[0][name], tol)
			}
			checkGGrads(t, c, res[1]["G.grads"], res[0]["G.grads"], tol)
		})
	}
}

// checkGGrads compares G's gradients, gpu against want (the CPU's), under a tolerance 16
// times the NMSE by which rounding-sized changes move the CPU's (gStageOfPerturbedD): a
// factor 4 in relative error, for the rounding in every layer rather than in D's weights
// alone; never under tol, nor over 1e-4, an error of 1% where a wrong index gives order 1.
func checkGGrads(t *testing.T, c stepCase, gpu, want []float32, tol float64) {
	cond := nntest.NMSE(gStageOfPerturbedD(t, c), want)
	t.Logf("G.grads: the CPU's move by nmse %.2e from D's weights off by √K·u", cond)
	nntest.CheckNMSE(t, "G.grads", gpu, want, min(1e-4, max(tol, 16*cond)))
}

// gStageOfPerturbedD is the CPU's G.grads of TestStepParity's step of case c, computed
// through D's updated weights each moved by ±√K·u (signs drawn at random, K as in
// stepTolerance), the relative error of a K-term sum.
//
// G's gradients are ill-conditioned in float32, unlike D's: BatchNorm's backward pass
// subtracts the per-channel mean of its incoming gradient, and the weight gradient of the
// layer before it, the sum of that zero-mean gradient times the layer's inputs (after ReLU,
// all of one sign), cancels nearly to nothing, amplifying the rounding of the mean far beyond
// stepTolerance's allowance. Measured on the emulated GPU at dcgan64, width 64, batch 32: from
// the same weights and fakes (fakes within NMSE 4e-13), G.grads differ by NMSE 5e-8, every
// large difference in the weights feeding the last BatchNorm and of one sign; after D's Adam
// step, by 8e-7, in BatchNorm's and the last layer's gradients too, while D's gradients agree
// to 6e-12. So G.grads' tolerance measures this conditioning for each case: how much
// changes of the size of a K-term sum's rounding in G's incoming gradient, made through D's
// weights, move the CPU's G.grads.
func gStageOfPerturbedD(t *testing.T, c stepCase) []float32 {
	b := cpu.New()
	gan := buildGAN(t, b, c.model(), c.batch, 5)
	z := b.New(c.batch, c.model().NZ, 1, 1)
	fake := gan.DiscriminatorGrads(upload(t, gan, c, 1, z), z)
	gan.OptD.Step()
	size := models.Archs[c.arch]
	rel := math.Sqrt(float64(c.batch*(size/2)*(size/2))) * 0x1p-24
	rng := rand.New(rand.NewPCG(uint64(c.batch), 29))
	w := host(b, gan.D.Params)
	for i := range w {
		w[i] *= float32(1 + rel*float64(2*rng.IntN(2)-1))
	}
	b.Upload(gan.D.Params, w)
	gan.GeneratorGrads(fake)
	return host(b, gan.G.Grads)
}

// stepTolerance is the NMSE allowed between the backends' results of one step of case c.
//
// Both backends compute in float32 (u = 2⁻²⁴) and differ in the order of their sums (cuBLAS's
// blocked GEMMs, tree reductions) and in FMA contraction. A K-term float32 sum in any order
// carries a relative error of at most K·u, and, its roundings being of random sign, about
// √K·u in practice; two orders so differ by about √(2K)·u, an NMSE of about 2K·u². A result
// that passes through L layers of such sums collects the errors of each: about 2·L·K·u².
// K is the step's longest sum: a convolution weight's gradient and BatchNorm's statistics
// sum over batch × (size/2)² positions, a GEMM's inner product over up to 16·8·width inputs;
// L counts G's and D's layers. The cancellation in the gradient sums and BatchNorm's division
// by batch deviations can amplify the error: a factor √10 in relative error (10 in NMSE) is
// allowed for it. For dcgan64 at width 64 and batch 32 that is 2·L·32768·u²·10 ≈ 6e-8 (L
// about 26); the emulated GPU, whose float32 sums run in other orders than the CPU's, differs
// by 1e-12 there (most sums are far shorter than K), and a wrong index gives an NMSE of order
// 1e-2 to 1.
func stepTolerance(c stepCase, gan *train.GAN) float64 {
	size := models.Archs[c.arch]
	width := c.model().NGF
	k := max(c.batch*(size/2)*(size/2), 16*8*width)
	l := len(gan.G.Layers()) + len(gan.D.Layers())
	const u = 0x1p-24
	return 10 * 2 * float64(l) * float64(k) * u * u
}

// checkAdamStep runs opt's step on net, whose gradients are in place, and checks the updated
// weights against Adam computed in float64 from the same weights and gradients. It leaves
// the gradients and the updated weights in res under prefix.grads and prefix.params after.
func checkAdamStep(t *testing.T, what string, net *nn.Network, opt *nn.Optimizer, res map[string][]float32, prefix string) {
	t.Helper()
	b := net.Backend()
	before := host(b, net.Params)
	grads := host(b, net.Grads)
	opt.Step()
	after := host(b, net.Params)
	res[prefix+".grads"], res[prefix+".params after"] = grads, after
	want := adamFloat64(opt.Adam, opt.Steps(), before, grads)
	// Each weight's float32 update rounds a handful of operations on values of the update's
	// size, and the subtraction rounds the weight: 8 units of u of each are allowed.
	const u = 0x1p-24
	bad, worst := 0, 0.0
	for i := range after {
		step := math.Abs(want[i] - float64(before[i]))
		err := math.Abs(float64(after[i]) - want[i])
		bound := 8 * u * (step + math.Abs(want[i]))
		if err > bound || math.IsNaN(err) {
			if bad == 0 {
				t.Errorf("%s: weight %d is %g after the step, Adam in float64 gives %g (from %g, gradient %g)",
					what, i, after[i], want[i], before[i], grads[i])
			}
			bad++
		}
		if bound > 0 {
			worst = max(worst, err/bound)
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d weights off", what, bad, len(after))
	}
	t.Logf("%s: the largest error is %.2f of its bound", what, worst)
}

// adamFloat64 is Adam's step number t (from t−1 with zero moments: the test's first step)
// in float64: p − lr/(1−β1^t) · m / (√v/√(1−β2^t) + eps), m = (1−β1)·g, v = (1−β2)·g², with
// weight decay added to g.
func adamFloat64(a nn.AdamParams, t int, p, g []float32) []float64 {
	lr, b1, b2, eps, wd := float64(a.LR), float64(a.Beta1), float64(a.Beta2), float64(a.Eps), float64(a.WeightDecay)
	step := lr / (1 - math.Pow(b1, float64(t)))
	bc2 := math.Sqrt(1 - math.Pow(b2, float64(t)))
	out := make([]float64, len(p))
	for i := range p {
		gi := float64(g[i]) + wd*float64(p[i])
		m, v := (1-b1)*gi, (1-b2)*gi*gi
		out[i] = float64(p[i]) - step*m/(math.Sqrt(v)/bc2+eps)
	}
	return out
}
