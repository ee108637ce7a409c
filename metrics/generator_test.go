package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/models"
)

// TestFromGenerator checks that the latents are walked in order, in batches no larger than
// asked, with the images a single pass over all of them makes.
func TestFromGenerator(t *testing.T) {
	cfg := models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4, NC: 1}
	spec, err := models.Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := cpu.New()
	g, err := models.Build(b, spec, 2, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 2))
	z := make([]float32, 10*cfg.NZ)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	gen := FromGenerator(g, z, 3)
	first, second := gen(4), gen(6)
	if first == nil || second == nil || first.Shape()[0] != 4 || second.Shape()[0] != 6 {
		t.Fatalf("asked for 4 then 6 images, got %v and %v", shapeOf(first), shapeOf(second))
	}
	if extra := gen(1); extra != nil {
		t.Errorf("an eleventh image from ten latents: %v", extra.Shape())
	}
	got := append(append([]float32(nil), first.Data().([]float32)...), second.Data().([]float32)...)

	if err := g.Reserve(10); err != nil {
		t.Fatal(err)
	}
	zt := b.New(10, cfg.NZ, 1, 1)
	b.Upload(zt, z)
	want := make([]float32, len(got))
	b.Download(want, g.Forward(zt, false))
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-6 {
			t.Fatalf("value %d: %v in batches of 3, %v in one pass", i, got[i], want[i])
		}
	}
}
