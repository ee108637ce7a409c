package train

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/models"
	"gogan/nn"
)

// goldenPath is one training step of a small dcgan28 in PyTorch, written by
// scripts/golden_dcgan28.py.
const goldenPath = "../scripts/golden/dcgan28_step.safetensors"

// Tolerances, as relative L2 errors ‖a−b‖/‖b‖. The forward values differ from PyTorch's only
// by float32 rounding in another summation order; gradients pass through more sums and
// through BatchNorm's normalisation, which amplifies rounding where a channel's variance is
// small. Parameters after Adam are compared by the error relative to the learning rate,
// because the first Adam step moves every parameter by about ±lr whatever the gradient's size.
const (
	tolForward = 1e-5
	tolGrad    = 1e-4
	tolAdam    = 1e-3 // of lr, per element at worst
)

type golden struct {
	t *testing.T
	f *checkpoints.File
}

func (g golden) get(name string) []float32 {
	g.t.Helper()
	info, ok := g.f.Info(name)
	if !ok {
		g.t.Fatalf("golden file has no tensor %s", name)
	}
	data, err := g.f.F32(name, info.Shape...)
	if err != nil {
		g.t.Fatal(err)
	}
	return data
}

// state collects the tensors under prefix into a state dict.
func (g golden) state(prefix string) map[string]*tensor.Dense {
	out := map[string]*tensor.Dense{}
	for _, name := range g.f.Names() {
		if key, ok := strings.CutPrefix(name, prefix); ok {
			info, _ := g.f.Info(name)
			out[key] = tensor.New(tensor.WithShape(info.Shape...), tensor.WithBacking(g.get(name)))
		}
	}
	return out
}

func (g golden) meta(key string) int {
	v, err := strconv.Atoi(g.f.Metadata()[key])
	if err != nil {
		g.t.Fatalf("golden metadata %s: %v", key, err)
	}
	return v
}

func compare(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	e := math.Sqrt(nntest.NMSE(got, want)) // ‖got−want‖/‖want‖
	t.Logf("%-28s rel err %.2e (tolerance %.0e)", what, e, tol)
	if e > tol || math.IsNaN(e) {
		t.Errorf("%s: relative error %.3g above %.0e: %s", what, e, tol, nntest.FirstMismatches(got, want, 4))
	}
}

// newGoldenGAN builds the golden file's dcgan28 on the CPU backend with PyTorch's initial weights.
func newGoldenGAN(t *testing.T, g golden) (*GAN, models.Config, int) { return goldenGAN(t, g, 0) }

// goldenGAN is newGoldenGAN for a model of the given number of classes (0: unconditional).
func goldenGAN(t *testing.T, g golden, classes int) (*GAN, models.Config, int) {
	b := cpu.New()
	cfg := models.Config{Arch: "dcgan28", NZ: g.meta("nz"), NGF: g.meta("ngf"), NDF: g.meta("ndf"), NC: g.meta("nc"), Classes: classes}
	batch := g.meta("batch")
	gs, _ := models.Generator(cfg)
	ds, _ := models.Discriminator(cfg)
	rng := rand.New(rand.NewPCG(0, 0))
	gn, err := models.Build(b, gs, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	dn, err := models.Build(b, ds, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	if err := gn.LoadState(g.state("G.")); err != nil {
		t.Fatal(err)
	}
	if err := dn.LoadState(g.state("D.")); err != nil {
		t.Fatal(err)
	}
	gan, err := New(b, gn, dn, DefaultHyper(), batch)
	if err != nil {
		t.Fatal(err)
	}
	return gan, cfg, batch
}

func openGolden(t *testing.T) golden {
	f, err := checkpoints.Read(goldenPath)
	if err != nil {
		t.Fatalf("golden file (regenerate with make golden): %v", err)
	}
	return golden{t: t, f: f}
}

// TestGoldenStep compares one full training step with PyTorch's: D on a real and a fake
// batch, then G through D, with the non-saturating loss and Adam.
func TestGoldenStep(t *testing.T) {
	g := openGolden(t)
	gan, cfg, batch := newGoldenGAN(t, g)
	b := gan.B

	// D's logits on the real batch, from a copy so that the step below starts untouched.
	dCopy, _ := models.Discriminator(cfg)
	d2, _ := models.Build(b, dCopy, batch, rand.New(rand.NewPCG(0, 0)))
	if err := d2.LoadState(g.state("D.")); err != nil {
		t.Fatal(err)
	}
	realHost := g.get("real")
	realT := b.New(batch, cfg.NC, 28, 28)
	b.Upload(realT, realHost)
	compare(t, "D(real) logits", download(b, d2.Forward(realT, true)), g.get("d_real_logits"), tolForward)

	real, err := gan.UploadReal(realHost, batch)
	if err != nil {
		t.Fatal(err)
	}
	z := b.New(batch, cfg.NZ, 1, 1)
	b.Upload(z, g.get("z"))
	fake := gan.DiscriminatorGrads(real, z)
	compare(t, "G(z)", download(b, fake), g.get("fake"), tolForward)
	st := gan.StatsOf()
	compare(t, "loss D real", st[0:1], g.get("loss_d_real"), tolForward)
	compare(t, "loss D fake", st[3:4], g.get("loss_d_fake"), tolForward)
	compareMean(t, "mean D(fake) logit", st[5], g.get("d_fake_logits"))
	for _, p := range gan.D.Parameters() {
		compare(t, "grad D."+p.Name, download(b, p.Grad), g.get("grad.D."+p.Name), tolGrad)
	}
	gan.OptD.Step()
	gan.GeneratorGrads(fake)
	st = gan.StatsOf()
	compare(t, "loss G", st[6:7], g.get("loss_g"), tolForward)
	compareMean(t, "mean D(G(z)) logit, G step", st[8], g.get("g_logits"))
	for _, p := range gan.G.Parameters() {
		compare(t, "grad G."+p.Name, download(b, p.Grad), g.get("grad.G."+p.Name), tolGrad)
	}
	gan.OptG.Step()
	for net, n := range map[string]*nn.Network{"G": gan.G, "D": gan.D} {
		for _, p := range n.Parameters() {
			compareAfterAdam(t, "after."+net+"."+p.Name, download(b, p.Tensor), g.get("after."+net+"."+p.Name))
		}
		for _, p := range n.BufferList() {
			compare(t, "after."+net+"."+p.Name, download(b, p.Tensor), g.get("after."+net+"."+p.Name), tolForward)
		}
	}
}

// compareAfterAdam checks parameters after an Adam step element by element against lr.
func compareAfterAdam(t *testing.T, what string, got, want []float32) {
	t.Helper()
	lr := float64(DefaultHyper().LR)
	var worst float64
	for i := range want {
		worst = max(worst, math.Abs(float64(got[i])-float64(want[i]))/lr)
	}
	t.Logf("%-28s max err %.2e lr (tolerance %.0e lr)", what, worst, tolAdam)
	if worst > tolAdam {
		t.Errorf("%s: differs by %.3g lr: %s", what, worst, nntest.FirstMismatches(got, want, 4))
	}
}

// compareMean checks a batch mean against the mean of values, relative to the values' root
// mean square: a mean near zero says nothing about relative precision.
func compareMean(t *testing.T, what string, got float32, values []float32) {
	t.Helper()
	var s, sq float64
	for _, x := range values {
		s += float64(x)
		sq += float64(x) * float64(x)
	}
	n := float64(len(values))
	e := math.Abs(float64(got)-s/n) / math.Sqrt(sq/n)
	t.Logf("%-28s rel err %.2e (tolerance %.0e)", what, e, tolForward)
	if e > tolForward || math.IsNaN(e) {
		t.Errorf("%s: %g, want %g (error %.3g of the values' scale)", what, got, s/n, e)
	}
}

// TestGoldenTenSteps runs ten training steps through GAN.Step on PyTorch's batches and
// latents and compares the losses and D's outputs step by step.
func TestGoldenTenSteps(t *testing.T) {
	g := openGolden(t)
	gan, cfg, batch := newGoldenGAN(t, g)
	zs, reals, losses := g.get("steps.z"), g.get("steps.real"), g.get("steps.losses")
	nz, ni := batch*cfg.NZ, batch*cfg.NC*28*28
	steps := len(losses) / 4
	step := 0
	next := func() ([]float32, int, error) { return reals[step*ni : (step+1)*ni], batch, nil }
	latents := func(dst []float32) { copy(dst, zs[step*nz:(step+1)*nz]) }
	got := make([]float32, 0, len(losses))
	for ; step < steps; step++ {
		s, err := gan.StepUnlabelled(next, latents)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, float32(s.LossD), float32(s.LossG), float32(s.DReal), float32(s.DFake))
	}
	// Ten Adam steps compound the rounding differences of each.
	compare(t, "losses and D outputs, 10 steps", got, losses, 1e-4)
	G := gan.G
	for _, name := range G.StateNames() {
		compare(t, "final.G."+name, download(gan.B, G.Named(name).Tensor), g.get("final.G."+name), 1e-4)
	}
	zT := gan.B.New(batch, cfg.NZ, 1, 1)
	gan.B.Upload(zT, zs[:nz]) // the golden eval_fake is G(steps.z[0])
	compare(t, "G(z) in eval mode", download(gan.B, gan.Generate(zT)), g.get("eval_fake"), 1e-4)
}
