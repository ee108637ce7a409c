package train

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
)

// newTestGAN builds a GAN of the given architecture with DCGAN initialisation from seed.
func newTestGAN(tb testing.TB, b nn.Backend, cfg models.Config, h Hyper, batch int, seed uint64) *GAN {
	tb.Helper()
	gs, err := models.Generator(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := models.Discriminator(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	g, err := models.Build(b, gs, batch, rng)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := models.Build(b, ds, batch, rng)
	if err != nil {
		tb.Fatal(err)
	}
	models.InitDCGAN(g, rng)
	models.InitDCGAN(d, rng)
	gan, err := New(b, g, d, h, batch)
	if err != nil {
		tb.Fatal(err)
	}
	return gan
}

// syntheticBatches returns a source of fixed pseudo-random real batches in [−1, 1].
func syntheticBatches(cfg models.Config, batch int, seed uint64) func() ([]float32, int, error) {
	s := cfg.ImageSize()
	rng := rand.New(rand.NewPCG(seed, 7))
	host := make([]float32, batch*cfg.NC*s*s)
	return func() ([]float32, int, error) {
		for i := range host {
			host[i] = float32(2*rng.Float64() - 1)
		}
		return host, batch, nil
	}
}

func runSteps(t *testing.T, cfg models.Config, h Hyper, steps int) ([]Stats, []float32) {
	b := cpu.New()
	gan := newTestGAN(t, b, cfg, h, 8, 3)
	next := syntheticBatches(cfg, 8, 3)
	zrng := rand.New(rand.NewPCG(3, 9))
	latents := func(dst []float32) { SampleLatents(dst, zrng) }
	labels := make([]uint8, 8)
	for i := range labels {
		labels[i] = uint8(i % max(1, cfg.Classes))
	}
	labelled := func() (Batch, error) {
		images, n, err := next()
		return Batch{Images: images, N: n, Labels: labels}, err
	}
	var out []Stats
	for i := 0; i < steps; i++ {
		s, err := gan.Step(labelled, latents)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out, append(download(b, gan.G.Params), download(b, gan.D.Params)...)
}

// TestDeterministic: the same seed gives bitwise-identical losses and weights, for every
// objective and with several discriminator steps, unconditional and class-conditional.
func TestDeterministic(t *testing.T) {
	for _, classes := range []int{0, 3} {
		for _, obj := range []nn.Objective{nn.NonSaturating, nn.Minimax, nn.LeastSquares, nn.Hinge, nn.Wasserstein} {
			testDeterministic(t, models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4, NC: 1, Classes: classes}, obj)
		}
	}
}

func testDeterministic(t *testing.T, cfg models.Config, obj nn.Objective) {
	t.Run(fmt.Sprintf("%v/classes=%d", obj, cfg.Classes), func(t *testing.T) {
		h := DefaultHyper()
		h.Objective = obj
		if obj == nn.Wasserstein {
			h.Clip, h.DSteps = 0.01, 2
		}
		s1, w1 := runSteps(t, cfg, h, 3)
		s2, w2 := runSteps(t, cfg, h, 3)
		for i := range s1 {
			if s1[i] != s2[i] {
				t.Fatalf("step %d: %+v then %+v", i, s1[i], s2[i])
			}
		}
		for i := range w1 {
			if w1[i] != w2[i] {
				t.Fatalf("weight %d: %g then %g", i, w1[i], w2[i])
			}
		}
		if s1[0] == s1[2] {
			t.Fatalf("training did not change the losses: %+v", s1[0])
		}
	})
}

// TestWassersteinClip: the critic's weights stay within the clip after each update.
func TestWassersteinClip(t *testing.T) {
	cfg := models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4, NC: 1}
	h := DefaultHyper()
	h.Objective, h.Clip = nn.Wasserstein, 0.01
	_, w := runSteps(t, cfg, h, 2)
	gParams := 0
	{
		gs, _ := models.Generator(cfg)
		g, _ := models.Build(cpu.New(), gs, 1, rand.New(rand.NewPCG(1, 1)))
		gParams = g.NumParams()
	}
	for i, v := range w[gParams:] {
		if v < -0.01 || v > 0.01 {
			t.Fatalf("critic weight %d is %g, outside ±0.01", i, v)
		}
	}
}

// BenchmarkStep times full training steps (D on real and fake, G through D, Adam, the
// non-saturating loss) at batch 64 on the CPU.
func BenchmarkStep(b *testing.B) {
	for _, arch := range []string{"dcgan28", "dcgan64"} {
		b.Run(arch, func(b *testing.B) {
			cfg := models.Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 1}
			const batch = 64
			gan := newTestGAN(b, cpu.New(), cfg, DefaultHyper(), batch, 1)
			next := syntheticBatches(cfg, batch, 1)
			host, _, _ := next()
			fixed := func() ([]float32, int, error) { return host, batch, nil }
			zrng := rand.New(rand.NewPCG(1, 2))
			latents := func(dst []float32) { SampleLatents(dst, zrng) }
			if _, err := gan.StepUnlabelled(fixed, latents); err != nil { // warm-up: grows scratch buffers
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := gan.StepUnlabelled(fixed, latents); err != nil {
					b.Fatal(err)
				}
			}
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(sec*1e3, "ms/step")
			b.ReportMetric(batch/sec, "images/s")
		})
	}
}

// TestStepAllocatesNothing checks that a training step, once the first has sized the
// scratch buffers, makes no heap allocation: views, GEMM plans and worker handoffs are all
// kept between steps. Each objective and two discriminator steps per generator step take
// the paths that differ.
func TestStepAllocatesNothing(t *testing.T) {
	cfg := models.Config{Arch: "dcgan28", NZ: 100, NGF: 16, NDF: 16, NC: 1}
	const batch = 16
	for _, loss := range []string{"minimax", "nonsaturating", "lsgan", "hinge", "wgan"} {
		obj, err := nn.ParseObjective(loss)
		if err != nil {
			t.Fatal(err)
		}
		h := DefaultHyper()
		h.Objective, h.DSteps = obj, 2
		if obj == nn.Wasserstein {
			h.Clip = 0.01
		}
		checkStepAllocatesNothing(t, loss, newTestGAN(t, cpu.New(), cfg, h, batch, 3), cfg, batch)
	}
}

// checkStepAllocatesNothing runs one step of gan on a fixed synthetic batch, then counts the
// heap allocations of the next ones.
func checkStepAllocatesNothing(t *testing.T, what string, gan *GAN, cfg models.Config, batch int) {
	t.Helper()
	host, _, _ := syntheticBatches(cfg, batch, 4)()
	fixed := func() ([]float32, int, error) { return host, batch, nil }
	zrng := rand.New(rand.NewPCG(5, 6))
	latents := func(dst []float32) { SampleLatents(dst, zrng) }
	step := func() {
		if _, err := gan.StepUnlabelled(fixed, latents); err != nil {
			t.Fatal(err)
		}
	}
	step()
	if allocs := testing.AllocsPerRun(4, step); allocs != 0 {
		t.Errorf("%s: %v allocations per step, want 0", what, allocs)
	}
}
