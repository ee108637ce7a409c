package run

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/train"
)

// equal compares bit for bit, so that −0 and +0 differ and NaN equals itself.
func equal(a, b []float32) bool {
	return slices.EqualFunc(a, b, func(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) })
}

func TestJoinClassesAndParseClass(t *testing.T) {
	z := train.Conditioned([]float32{1, 2, 3, 4}, []int{2, 0}, 3)
	if want := []float32{1, 2, 0, 0, 1, 3, 4, 1, 0, 0}; !equal(z, want) {
		t.Errorf("Conditioned: %v, want %v", z, want)
	}
	names := []string{"T-shirt/top", "Sneaker", "Ankle boot"}
	for in, want := range map[string]int{"sneaker": 1, " Ankle boot": 2, "0": 0, "2": 2} {
		if got, err := ParseClass(in, names); err != nil || got != want {
			t.Errorf("ParseClass(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"3", "-1", "boot", ""} {
		if _, err := ParseClass(bad, names); err == nil || !strings.Contains(err.Error(), `1 "Sneaker"`) {
			t.Errorf("ParseClass(%q): %v, want an error listing the classes", bad, err)
		}
	}
}

// TestRecomputeEMAStats: recomputing a run's statistics after the fact gives the bits that a
// run keeping recomputed statistics holds, so gan eval can compare the two ways on one run.
func TestRecomputeEMAStats(t *testing.T) {
	b := cpu.New()
	cfg := Config{Arch: "dcgan28", NZ: 4, NGF: 2, NDF: 2, NC: 1, BatchSize: 4, ImageSize: 28, Seed: 5, EMADecay: 0.9}
	gan := &train.GAN{}
	var err error
	if gan.G, err = buildGenerator(b, cfg); err != nil {
		t.Fatal(err)
	}
	models.InitDCGAN(gan.G, rand.New(rand.NewPCG(3, 1)))
	if err := buildEMA(cfg, gan, b); err != nil {
		t.Fatal(err)
	}
	want := download(b, gan.Sampler().Buffers)
	later, err := buildGenerator(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Copy(later.Params, gan.EMA.G.Params)
	RecomputeEMAStats(later, cfg)
	if !equal(download(b, later.Buffers), want) {
		t.Error("recomputed statistics differ from the run's")
	}
}
