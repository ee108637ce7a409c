package models

import (
	"math/rand/v2"
	"testing"

	"gogan/cpu"
)

// The parameter counts of the issue that defines the architectures, which PyTorch reproduces
// for the same layers.
func TestParameterCounts(t *testing.T) {
	cases := []struct {
		arch string
		g, d int
	}{
		{"dcgan28", 837504, 659456},
		{"dcgan64", 3574656, 2763520},
		// The family's other sizes, as scripts/models.py counts them in PyTorch.
		{"dcgan32", 1066880, 661248},
		{"dcgan128", 7769984, 6958848},
		{"dcgan256", 11965312, 11154176},
	}
	b := cpu.New()
	for _, c := range cases {
		t.Run(c.arch, func(t *testing.T) {
			cfg := Config{Arch: c.arch, NZ: 100, NGF: 64, NDF: 64, NC: 1}
			gs, err := Generator(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := Discriminator(cfg)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			g, err := Build(b, gs, 2, rng)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Build(b, ds, 2, rng)
			if err != nil {
				t.Fatal(err)
			}
			if g.NumParams() != c.g || d.NumParams() != c.d {
				t.Errorf("G has %d parameters and D %d, want %d and %d", g.NumParams(), d.NumParams(), c.g, c.d)
			}
			size := cfg.ImageSize()
			if out := g.OutShape(); out[0] != 1 || out[1] != size || out[2] != size {
				t.Errorf("G makes %v, want (1, %d, %d)", out, size, size)
			}
			if out := d.OutShape(); len(out) != 1 || out[0] != 1 {
				t.Errorf("D outputs %v per image, want (1)", out)
			}
		})
	}
}
