package train

import (
	"math/rand/v2"
	"testing"

	"gogan/checkpoints"
	"gogan/models"
	"gogan/nn"
)

// conditionalGoldenPath is a conditional dcgan28's training in PyTorch with a moving average
// of G, written by scripts/golden_conditional.py.
const conditionalGoldenPath = "../scripts/golden/cdcgan28_step.safetensors"

func openConditionalGolden(t *testing.T) golden {
	f, err := checkpoints.Read(conditionalGoldenPath)
	if err != nil {
		t.Fatalf("golden file (regenerate with make golden): %v", err)
	}
	return golden{t: t, f: f}
}

// newConditionalGoldenGAN builds the golden file's conditional dcgan28 on the CPU with
// PyTorch's initial weights.
func newConditionalGoldenGAN(t *testing.T, g golden) (*GAN, models.Config, int) {
	return goldenGAN(t, g, g.meta("classes"))
}

// goldenLabels converts the golden file's float32 classes to bytes.
func goldenLabels(v []float32) []uint8 {
	out := make([]uint8, len(v))
	for i, x := range v {
		out[i] = uint8(x)
	}
	return out
}

// TestGoldenConditionalStep compares a conditional step with PyTorch's, through the same
// Step a run uses: G's one-hot input, the projection's logits and gradients, and the
// weights after Adam; then nine more steps and the moving average of G with its warm-up.
func TestGoldenConditionalStep(t *testing.T) {
	g := openConditionalGolden(t)
	gan, cfg, batch := newConditionalGoldenGAN(t, g)
	b := gan.B
	zs, ys, reals, losses := g.get("steps.z"), g.get("steps.labels"), g.get("steps.real"), g.get("steps.losses")
	nz, ni := batch*cfg.NZ, batch*cfg.NC*28*28
	avg, err := models.Build(b, mustGenerator(t, cfg), batch, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	stats := g.get("ema.stat_inputs")
	if gan.EMA, err = NewEMA(avg, gan.G, float32(0.999), stats, batch); err != nil {
		t.Fatal(err)
	}
	step := 0
	next := func() (Batch, error) {
		return Batch{Images: reals[step*ni : (step+1)*ni], N: batch, Labels: goldenLabels(ys[step*batch : (step+1)*batch])}, nil
	}
	latents := func(dst []float32) { copy(dst, zs[step*nz:(step+1)*nz]) }
	var got []float32
	for ; step < len(losses)/4; step++ {
		s, err := gan.Step(next, latents)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, float32(s.LossD), float32(s.LossG), float32(s.DReal), float32(s.DFake))
		if step == 0 {
			st := gan.StatsOf()
			compare(t, "loss D real", st[0:1], g.get("loss_d_real"), tolForward)
			compare(t, "loss D fake", st[3:4], g.get("loss_d_fake"), tolForward)
			compare(t, "loss G", st[6:7], g.get("loss_g"), tolForward)
			for net, n := range map[string]*nn.Network{"G": gan.G, "D": gan.D} {
				for _, p := range n.Parameters() {
					compareAfterAdam(t, "after."+net+"."+p.Name, download(b, p.Tensor), g.get("after."+net+"."+p.Name))
				}
			}
		}
	}
	compare(t, "losses and D outputs, 10 steps", got, losses, 1e-4)
	for net, n := range map[string]*nn.Network{"G": gan.G, "D": gan.D} {
		for _, name := range n.StateNames() {
			compare(t, "final."+net+"."+name, download(b, n.Named(name).Tensor), g.get("final."+net+"."+name), 1e-4)
		}
	}
	for _, p := range avg.Parameters() {
		compare(t, "final.ema."+p.Name, download(b, p.Tensor), g.get("final.ema."+p.Name), 1e-4)
	}
	ema := gan.Sampler() // recomputes the average's BatchNorm statistics
	for _, p := range ema.BufferList() {
		compare(t, "ema.stats."+p.Name, download(b, p.Tensor), g.get("ema.stats."+p.Name), 1e-4)
	}
	in := b.New(append(nn.Shape{batch}, ema.InShape()...)...)
	b.Upload(in, stats[:in.Len()])
	compare(t, "averaged G(z, y), eval mode", download(b, ema.Forward(in, false)), g.get("ema.eval_fake"), 1e-4)
}

// TestGoldenConditionalGradients compares the first step's gradients, which the projection
// and the one-hot input feed, before any optimiser moves the weights.
func TestGoldenConditionalGradients(t *testing.T) {
	g := openConditionalGolden(t)
	gan, cfg, batch := newConditionalGoldenGAN(t, g)
	b := gan.B
	real, err := gan.UploadReal(g.get("steps.real")[:batch*cfg.NC*28*28], batch)
	if err != nil {
		t.Fatal(err)
	}
	labels := goldenLabels(g.get("steps.labels")[:batch])
	z := g.get("steps.z")[:batch*cfg.NZ]
	if err := gan.uploadLatents(batch, labels, func(dst []float32) { copy(dst, z) }); err != nil {
		t.Fatal(err)
	}
	zt, _, _ := gan.batch(batch)
	fake := gan.DiscriminatorGrads(real, zt)
	compare(t, "G(z, y)", download(b, fake), g.get("fake"), tolForward)
	for _, p := range gan.D.Parameters() {
		compare(t, "grad D."+p.Name, download(b, p.Grad), g.get("grad.D."+p.Name), tolGrad)
	}
	gan.OptD.Step()
	gan.GeneratorGrads(fake)
	for _, p := range gan.G.Parameters() {
		compare(t, "grad G."+p.Name, download(b, p.Grad), g.get("grad.G."+p.Name), tolGrad)
	}
}

func mustGenerator(t *testing.T, cfg models.Config) models.Spec {
	s, err := models.Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
