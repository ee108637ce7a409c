package onnx

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// testCase is a generator small enough to export and run in well under a second, with
// widths that still give every layer several channels.
type testCase struct {
	name string
	cfg  models.Config
}

var testCases = []testCase{
	{"dcgan28", models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 1, NC: 1}},
	{"dcgan64", models.Config{Arch: "dcgan64", NZ: 16, NGF: 4, NDF: 1, NC: 3}},
	{"conditional dcgan28", models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 1, NC: 1, Classes: 3}},
}

// testGenerator builds a generator with transposed-convolution weights from N(0, 0.3),
// larger than DCGAN's N(0, 0.02) so that the images span most of [−1, 1] even at small
// widths, and with BatchNorm weights, biases and running statistics away from their initial
// 1, 0, 0 and 1, so that an exporter that dropped or swapped any of them would change the
// images.
func testGenerator(t *testing.T, cfg models.Config, seed uint64) *nn.Network {
	t.Helper()
	spec, err := models.Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	g, err := models.Build(cpu.New(), spec, 8, rng)
	if err != nil {
		t.Fatal(err)
	}
	g.InitNormal(rng, func(l nn.Layer, s nn.ParamSpec) (float64, float64, bool) {
		_, ok := l.(*nn.ConvTranspose2d)
		return 0, 0.3, ok
	})
	state := g.State()
	for _, b := range slices.Concat(g.Parameters(), g.BufferList()) {
		if _, ok := g.Layers()[b.Layer].(*nn.BatchNorm); !ok {
			continue
		}
		v := state[b.Name].Data().([]float32)
		for i := range v {
			switch b.Spec.Name {
			case "running_var", "weight":
				v[i] = 0.5 + rng.Float32()
			default:
				v[i] = 0.2 * float32(rng.NormFloat64())
			}
		}
	}
	if err := g.LoadState(state); err != nil {
		t.Fatal(err)
	}
	return g
}

// testInputs draws n latents and, for a conditional generator, n classes covering them all.
func testInputs(cfg models.Config, n int, seed uint64) (z []float32, classes []int) {
	rng := rand.New(rand.NewPCG(seed, 2))
	z = make([]float32, n*cfg.NZ)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	if cfg.Classes > 0 {
		classes = make([]int, n)
		for i := range classes {
			classes[i] = (i*2 + 1) % cfg.Classes
		}
	}
	return z, classes
}

// gogansImages runs the generator in evaluation mode, as gan generate does.
func gogansImages(t *testing.T, g *nn.Network, cfg models.Config, z []float32, classes []int) []float32 {
	t.Helper()
	n := len(z) / cfg.NZ
	in := z
	if cfg.Classes > 0 {
		in = train.Conditioned(z, classes, cfg.Classes)
	}
	b := g.Backend()
	zt := b.New(append(nn.Shape{n}, g.InShape()...)...)
	if err := nn.UploadDense(b, zt, tensor.New(tensor.WithShape(n, cfg.NZ+cfg.Classes, 1, 1), tensor.WithBacking(in))); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, n*g.OutShape().Size())
	b.Download(out, g.Forward(zt, false))
	return out
}

// writeModel exports the generator to a file in a test folder and returns its path.
func writeModel(t *testing.T, g *nn.Network, cfg models.Config) string {
	t.Helper()
	data, err := Marshal(Generator{Net: g, Config: cfg, ClassNames: classNames(cfg.Classes)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "G.onnx")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func classNames(k int) []string {
	names := make([]string, k)
	for i := range names {
		names[i] = string(rune('a' + i))
	}
	return names
}
