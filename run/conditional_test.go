package run

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/data"
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
	// EMNIST has both cases: the exact name wins over a match in another case.
	cases := []string{"9", "A", "a"}
	for in, want := range map[string]int{"a": 2, "A": 1, " A": 1} {
		if got, err := ParseClass(in, cases); err != nil || got != want {
			t.Errorf("ParseClass(%q) among %q = %d, %v; want %d", in, cases, got, err, want)
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
	want := (*hostBuffers)(nil).download(b, gan.Sampler().Buffers)
	later, err := buildGenerator(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.Copy(later.Params, gan.EMA.G.Params)
	RecomputeEMAStats(later, cfg)
	if !equal((*hostBuffers)(nil).download(b, later.Buffers), want) {
		t.Error("recomputed statistics differ from the run's")
	}
}

// TestSettleClassesOnResume: a checkpoint's classes must be the data's, except that the plain
// numbers recorded before KMNIST and EMNIST were named resume with today's names.
func TestSettleClassesOnResume(t *testing.T) {
	ds := &data.Dataset{Name: "EMNIST digits", Labels: []uint8{0, 1, 2}, Classes: 3, ClassNames: []string{"x", "y", "z"}}
	cfg := Config{Conditional: true, Classes: 3, ClassNames: []string{"0", "1", "2"}}
	if err := settleClasses(&cfg, ds); err != nil || !slices.Equal(cfg.ClassNames, ds.ClassNames) {
		t.Errorf("numbered classes: err %v, names %v; want today's %v", err, cfg.ClassNames, ds.ClassNames)
	}
	for _, names := range [][]string{{"0", "2", "1"}, {"0", "1"}, {"x", "y", "w"}} {
		cfg := Config{Conditional: true, Classes: len(names), ClassNames: names}
		if err := settleClasses(&cfg, ds); err == nil {
			t.Errorf("checkpoint classes %v resumed on data of %v", names, ds.ClassNames)
		}
	}
}
