package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
)

func TestDecayAt(t *testing.T) {
	for _, c := range []struct {
		decay float32
		step  int
		want  float32
	}{
		{0.999, 1, 2.0 / 11}, // the warm-up forgets the initialisation at once
		{0.999, 90, 0.91},
		{0.999, 100000, 0.999}, // then the decay asked for
		{0.5, 10, 0.5},
	} {
		if got := DecayAt(c.decay, c.step); math.Abs(float64(got-c.want)) > 1e-6 {
			t.Errorf("DecayAt(%g, %d) = %g, want %g", c.decay, c.step, got, c.want)
		}
	}
}

// TestEMAUpdate: the average moves towards the generator by 1−decay of the gap, element by
// element, and leaves the generator alone.
func TestEMAUpdate(t *testing.T) {
	b := cpu.New()
	cfg := models.Config{Arch: "dcgan28", NZ: 4, NGF: 2, NDF: 2, NC: 1}
	src := buildTestNet(t, b, cfg, 1)
	avg := buildTestNet(t, b, cfg, 2)
	ema, err := NewEMA(avg, src, 0.9, make([]float32, 2*4), 2)
	if err != nil {
		t.Fatal(err)
	}
	if !equal(download(b, avg.Params), download(b, src.Params)) {
		t.Fatal("a new average does not start as the generator")
	}
	start := download(b, avg.Params)
	gen := download(b, src.Params)
	for i := range gen {
		gen[i] += float32(i%7) - 3
	}
	b.Upload(src.Params, gen)
	ema.Update(1000) // past the warm-up: decay 0.9
	got := download(b, avg.Params)
	for i := range got {
		want := start[i] + 0.1*(gen[i]-start[i])
		if math.Abs(float64(got[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
			t.Fatalf("param %d: %g, want %g", i, got[i], want)
		}
	}
	if !equal(download(b, src.Params), gen) {
		t.Error("the update changed the generator")
	}
	for _, bad := range []float32{0, 1, -0.5} {
		if _, err := NewEMA(avg, src, bad, make([]float32, 8), 2); err == nil || !strings.Contains(err.Error(), "decay") {
			t.Errorf("decay %g: err %v", bad, err)
		}
	}
}

// TestRecomputedStatisticsMatter: the averaged generator's recomputed BatchNorm statistics
// differ from the trained generator's running ones, which describe other weights' activations.
func TestRecomputedStatisticsMatter(t *testing.T) {
	b, src, avg, ema := newTestEMA(t)
	b.Copy(avg.Buffers, src.Buffers)
	before := download(b, avg.Buffers)
	ema.Ready()
	after := download(b, avg.Buffers)
	if equal(before, after) {
		t.Fatal("recomputing left the running statistics as they were")
	}
	tracked := avg.BatchesTracked()
	ema.Ready() // fresh: no work
	if !equal(download(b, avg.Buffers), after) || avg.BatchesTracked() != tracked {
		t.Error("Ready recomputed statistics that were fresh")
	}
}

// newTestEMA averages a small generator, with decay 0.9 and statistics over 8 latents in
// batches of 4; avg starts from other weights.
func newTestEMA(t *testing.T) (b nn.Backend, src, avg *nn.Network, ema *EMA) {
	t.Helper()
	b = cpu.New()
	cfg := models.Config{Arch: "dcgan28", NZ: 4, NGF: 2, NDF: 2, NC: 1}
	src = buildTestNet(t, b, cfg, 1)
	avg = buildTestNet(t, b, cfg, 2)
	z := make([]float32, 4*8)
	SampleLatents(z, rand.New(rand.NewPCG(1, 1)))
	ema, err := NewEMA(avg, src, 0.9, z, 4)
	if err != nil {
		t.Fatal(err)
	}
	return b, src, avg, ema
}

func buildTestNet(t *testing.T, b nn.Backend, cfg models.Config, seed uint64) *nn.Network {
	t.Helper()
	s, err := models.Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n, err := models.Build(b, s, 4, rand.New(rand.NewPCG(seed, 0)))
	if err != nil {
		t.Fatal(err)
	}
	models.InitDCGAN(n, rand.New(rand.NewPCG(seed, 1)))
	return n
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestAveragedStatistics: with AverageStats the average's BatchNorm running statistics move
// towards the generator's with the weights' decay, and are never recomputed.
func TestAveragedStatistics(t *testing.T) {
	b, src, avg, ema := newTestEMA(t)
	ema.AverageStats()
	if !equal(download(b, avg.Buffers), download(b, src.Buffers)) {
		t.Fatal("averaged statistics do not start as the generator's")
	}
	start := download(b, avg.Buffers)
	gen := download(b, src.Buffers)
	for i := range gen {
		gen[i] += float32(i%5) + 1
	}
	b.Upload(src.Buffers, gen)
	ema.Update(1000) // decay 0.9
	ema.Ready()      // must not recompute: that would replace the average
	got := download(b, avg.Buffers)
	for i := range got {
		want := start[i] + 0.1*(gen[i]-start[i])
		if math.Abs(float64(got[i]-want)) > 1e-6*(1+math.Abs(float64(want))) {
			t.Fatalf("buffer %d: %g, want %g", i, got[i], want)
		}
	}
}

// download copies a device tensor to a new host slice.
func download(b nn.Backend, t *nn.Tensor) []float32 {
	out := make([]float32, t.Len())
	b.Download(out, t)
	return out
}
