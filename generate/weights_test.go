package generate

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gogan/checkpoints"
	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
)

// writeStateDict builds a generator of cfg with random weights and writes its state dict,
// every name under prefix, as safetensors; it returns the path and the network.
func writeStateDict(t *testing.T, cfg models.Config, prefix string) (string, *nn.Network) {
	t.Helper()
	spec, err := models.Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g, err := models.Build(cpu.New(), spec, 1, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	models.InitDCGAN(g, rand.New(rand.NewPCG(8, 8)))
	var tensors []checkpoints.Tensor
	for name, d := range g.State() {
		tensors = append(tensors, checkpoints.F32(prefix+name, d.Shape(), d.Data().([]float32)))
	}
	path := filepath.Join(t.TempDir(), "G.safetensors")
	if err := checkpoints.Write(path, tensors, nil); err != nil {
		t.Fatal(err)
	}
	return path, g
}

// TestWeightsInferSizesAndLoad: a state dict under a prefix opens with its architecture and
// sizes read from its shapes, loads into an equal generator, and refuses sizes asked for that
// it does not hold, naming both.
func TestWeightsInferSizesAndLoad(t *testing.T) {
	cfg := models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4, NC: 1}
	path, want := writeStateDict(t, cfg, "module.")
	w, err := OpenWeights(path, models.Config{NZ: 8})
	if err != nil {
		t.Fatal(err)
	}
	if m := w.Model(); m.Arch != cfg.Arch || m.NZ != cfg.NZ || m.NGF != cfg.NGF || m.NC != cfg.NC {
		t.Fatalf("inferred %+v, wrote %+v", m, cfg)
	}
	g, err := Load(cpu.New(), w)
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range want.State() {
		got := g.State()[name]
		if got == nil || !slices.Equal(got.Data().([]float32), d.Data().([]float32)) {
			t.Errorf("%s: loaded values differ from the file's", name)
		}
	}
	_, err = OpenWeights(path, models.Config{NGF: 16})
	if err == nil || !strings.Contains(err.Error(), "--ngf 16") || !strings.Contains(err.Error(), "ngf 4") {
		t.Errorf("asking ngf 16 of an ngf-4 generator: %v", err)
	}
}
