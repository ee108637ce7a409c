package models

import (
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// TestConditionalModels: a conditional G takes nz+classes inputs in its first layer, and a
// conditional D ends in a projection whose weight has the shape and name of the last
// convolution it replaces, beside the class embedding.
func TestConditionalModels(t *testing.T) {
	for arch, last := range map[string]string{"dcgan28": "8", "dcgan64": "11"} {
		c := Config{Arch: arch, NZ: 10, NGF: 4, NDF: 4, NC: 1}
		plainD := build(t, c, Discriminator)
		c.Classes = 5
		g, d := build(t, c, Generator), build(t, c, Discriminator)
		if in := g.InShape(); !in.Equal(nn.Shape{15, 1, 1}) {
			t.Errorf("%s: G takes %v, want (15, 1, 1)", arch, in)
		}
		w, e := d.Named(last+".weight"), d.Named(last+".embed.weight")
		if w == nil || e == nil || !w.Tensor.Shape.Equal(plainD.Named(last+".weight").Tensor.Shape) {
			t.Fatalf("%s: D's projection %s.weight %v, %s.embed.weight %v", arch, last, w, last, e)
		}
		if !e.Tensor.Shape.Equal(nn.Shape{5, w.Tensor.Len()}) || !d.Conditional() || plainD.Conditional() {
			t.Errorf("%s: embedding %v for a weight of %d", arch, e.Tensor.Shape, w.Tensor.Len())
		}
		if out := d.OutShape(); !out.Equal(nn.Shape{1}) {
			t.Errorf("%s: D outputs %v per sample", arch, out)
		}
	}
	for _, k := range []int{1, -1, 100000} {
		if err := (Config{Arch: "dcgan28", NZ: 1, NGF: 1, NDF: 1, NC: 1, Classes: k}).Validate(); err == nil {
			t.Errorf("%d classes accepted", k)
		}
	}
}

func build(t *testing.T, c Config, spec func(Config) (Spec, error)) *nn.Network {
	t.Helper()
	s, err := spec(c)
	if err != nil {
		t.Fatal(err)
	}
	n, err := Build(cpu.New(), s, 2, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
