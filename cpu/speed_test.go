//go:build unix

package cpu_test

import (
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// BenchmarkGANStep times full training steps at batch 64, as train's BenchmarkStep does,
// with the CPU time per step.
func BenchmarkGANStep(b *testing.B) {
	for _, arch := range []string{"dcgan28", "dcgan64"} {
		b.Run(arch, func(b *testing.B) {
			const batch = 64
			cfg := models.Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 1}
			be := cpu.New()
			rng := rand.New(rand.NewPCG(1, 2))
			build := func(s models.Spec, err error) *nn.Network {
				if err != nil {
					b.Fatal(err)
				}
				net, err := models.Build(be, s, batch, rng)
				if err != nil {
					b.Fatal(err)
				}
				models.InitDCGAN(net, rng)
				return net
			}
			g, d := build(models.Generator(cfg)), build(models.Discriminator(cfg))
			gan, err := train.New(be, g, d, train.DefaultHyper(), batch)
			if err != nil {
				b.Fatal(err)
			}
			s := cfg.ImageSize()
			real := make([]float32, batch*s*s)
			for i := range real {
				real[i] = float32(2*rng.Float64() - 1)
			}
			next := func() ([]float32, int, error) { return real, batch, nil }
			latents := func(dst []float32) { train.SampleLatents(dst, rng) }
			step := func() {
				if _, err := gan.StepUnlabelled(next, latents); err != nil {
					b.Fatal(err)
				}
			}
			step() // grows the scratch buffers
			cpu.Timed(b, step)
		})
	}
}
