package cpu_test

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// TestCoreCountInvariance trains a small DCGAN for two steps on one, two and three cores:
// every op writes each output element from one worker with the same arithmetic whatever the
// split, so the weights must come out the same bits.
func TestCoreCountInvariance(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var want []float32
	for _, procs := range []int{1, 2, 3} {
		runtime.GOMAXPROCS(procs)
		got := twoSteps(t)
		if want == nil {
			want = got
			continue
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("GOMAXPROCS=%d: weight %d is %g, on one core %g", procs, i, got[i], want[i])
			}
		}
	}
}

// twoSteps returns G's and D's weights after two training steps of a dcgan28 with 16
// filters at batch 16, from fixed seeds.
func twoSteps(t *testing.T) []float32 {
	const batch = 16
	cfg := models.Config{Arch: "dcgan28", NZ: 16, NGF: 16, NDF: 16, NC: 1}
	b := cpu.New()
	rng := rand.New(rand.NewPCG(3, 4))
	build := func(s models.Spec, err error) *nn.Network {
		if err != nil {
			t.Fatal(err)
		}
		net, err := models.Build(b, s, batch, rng)
		if err != nil {
			t.Fatal(err)
		}
		models.InitDCGAN(net, rng)
		return net
	}
	g, d := build(models.Generator(cfg)), build(models.Discriminator(cfg))
	gan, err := train.New(b, g, d, train.DefaultHyper(), batch)
	if err != nil {
		t.Fatal(err)
	}
	real := make([]float32, batch*28*28)
	for i := range real {
		real[i] = float32(2*rng.Float64() - 1)
	}
	for range 2 {
		_, err := gan.StepUnlabelled(func() ([]float32, int, error) { return real, batch, nil },
			func(dst []float32) { train.SampleLatents(dst, rng) })
		if err != nil {
			t.Fatal(err)
		}
	}
	return append(append([]float32(nil), g.Params.Host...), d.Params.Host...)
}
