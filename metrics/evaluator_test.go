package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"gorgonia.org/tensor"
)

func asTensor(x []float32) *tensor.Dense {
	n := len(x) / (ImageSide * ImageSide)
	return tensor.New(tensor.WithShape(n, 1, ImageSide, ImageSide), tensor.WithBacking(x))
}

// blur applies a Gaussian blur of standard deviation sigma pixels to every image.
func blur(x []float32, sigma float64) []float32 {
	const per = ImageSide * ImageSide
	out := make([]float32, len(x))
	for lo := 0; lo < len(x); lo += per {
		b := imaging.Blur(toGray(x[lo:lo+per], ImageSide, ImageSide), sigma)
		for p := 0; p < per; p++ {
			out[lo+p] = float32(b.Pix[4*p])/127.5 - 1
		}
	}
	return out
}

// addNoise adds Gaussian noise of standard deviation sigma (in the [-1, 1] scale), clamped.
func addNoise(x []float32, sigma float64) []float32 {
	rng := rand.New(rand.NewPCG(9, uint64(sigma*1000)))
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(math.Max(-1, math.Min(1, float64(v)+sigma*rng.NormFloat64())))
	}
	return out
}

// TestMetricsOnRealImages checks that the metrics read real images as close to real ones,
// noise as far from them, and blur and noise as worse the stronger they are.
func TestMetricsOnRealImages(t *testing.T) {
	f := tinyExtractor(t)
	ev, err := newEvaluator(f.ex, f.ex.Dataset, f.ref, f.base)
	if err != nil {
		t.Fatal(err)
	}
	score := func(x []float32) Scores {
		t.Helper()
		s, err := ev.ScoreImages(asTensor(x))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	real := ev.Baseline()
	rng := rand.New(rand.NewPCG(10, 10))
	noise := make([]float32, ev.N()*ImageSide*ImageSide)
	for i := range noise {
		noise[i] = float32(2*rng.Float64() - 1)
	}
	junk := score(noise)
	t.Logf("real vs real %+v; uniform noise %+v", real, junk)
	if junk.FrechetDistance < 10*real.FrechetDistance {
		t.Errorf("Fréchet distance of noise %.3g is not ten times that of real images %.3g", junk.FrechetDistance, real.FrechetDistance)
	}
	// Noise's precision is not checked: a few real outliers with wide balls can cover the
	// small region where all noise lands, the k-NN manifold's sensitivity to outliers. Its
	// recall, though, must be nil.
	if real.Precision < 0.5 || real.Recall < 0.5 || junk.Recall > 0.05 {
		t.Errorf("precision and recall: real %.3f, %.3f (want above 0.5); noise recall %.3f (want below 0.05)",
			real.Precision, real.Recall, junk.Recall)
	}
	if real.ClassifierScore < 2*junk.ClassifierScore {
		t.Errorf("classifier score of real images %.3f is not twice that of noise %.3f", real.ClassifierScore, junk.ClassifierScore)
	}

	clean := images(f.degraded)
	for _, d := range []struct {
		name   string
		levels []float64
		apply  func([]float32, float64) []float32
	}{
		{"blur", []float64{0.5, 1, 1.5, 2, 3}, blur},
		// Weaker noise moves the distance less than the sampling error of 1000 images.
		{"noise", []float64{0.1, 0.2, 0.4, 0.8}, addNoise},
	} {
		prev := score(clean).FrechetDistance
		for _, level := range d.levels {
			got := score(d.apply(clean, level)).FrechetDistance
			t.Logf("%s %.2f: Fréchet distance %.3f", d.name, level, got)
			if got <= prev {
				t.Errorf("%s %.2f: Fréchet distance %.4g, not above %.4g of the level before", d.name, level, got, prev)
			}
			prev = got
		}
	}
}

// TestScoreAsksInChunks checks that Score draws N images in chunks and scores them as
// ScoreImages scores the same images at once.
func TestScoreAsksInChunks(t *testing.T) {
	f := tinyExtractor(t)
	ev, err := newEvaluator(f.ex, f.ex.Dataset, f.ref, f.base)
	if err != nil {
		t.Fatal(err)
	}
	x := images(f.degraded)
	var calls []int
	made := 0
	got, err := ev.Score(func(n int) *tensor.Dense {
		calls = append(calls, n)
		chunk := asTensor(x[made*ImageSide*ImageSide : (made+n)*ImageSide*ImageSide])
		made += n
		return chunk
	})
	if err != nil {
		t.Fatal(err)
	}
	if made != ev.N() || calls[0] != GenerateChunk || len(calls) != (ev.N()+GenerateChunk-1)/GenerateChunk {
		t.Errorf("asked for %v images (%d in all), want chunks of %d making %d", calls, made, GenerateChunk, ev.N())
	}
	want, err := ev.ScoreImages(asTensor(x))
	if err != nil || got != want {
		t.Errorf("Score %+v, ScoreImages %+v (%v)", got, want, err)
	}
	_, err = ev.Score(func(n int) *tensor.Dense { return asTensor(x[:(n-1)*ImageSide*ImageSide]) })
	if err == nil || !strings.Contains(err.Error(), "asked the generator for") {
		t.Errorf("a generator making one image too few: %v", err)
	}
	if _, err := ev.ScoreImages(asTensor(x[:10*ImageSide*ImageSide])); err == nil {
		t.Errorf("no error scoring 10 images with an evaluator of %d", ev.N())
	}
}

func TestGray28(t *testing.T) {
	f := tinyExtractor(t)
	x := images(f.held)[:20*ImageSide*ImageSide]
	const per = ImageSide * ImageSide

	rgb := make([]float32, 3*len(x))
	up := make([]float32, 4*len(x)) // each pixel made a 2×2 block: 56×56
	for i := 0; i < 20; i++ {
		for c := 0; c < 3; c++ {
			copy(rgb[(3*i+c)*per:], x[i*per:(i+1)*per])
		}
		for y := 0; y < 2*ImageSide; y++ {
			for xx := 0; xx < 2*ImageSide; xx++ {
				up[i*4*per+y*2*ImageSide+xx] = x[i*per+(y/2)*ImageSide+xx/2]
			}
		}
	}
	g, err := Gray28(tensor.New(tensor.WithShape(20, 3, ImageSide, ImageSide), tensor.WithBacking(rgb)))
	if err != nil {
		t.Fatal(err)
	}
	for i := range g {
		if math.Abs(float64(g[i]-x[i])) > 1e-6 {
			t.Fatalf("gray RGB pixel %d: %v, want %v", i, g[i], x[i])
		}
	}
	g, err = Gray28(tensor.New(tensor.WithShape(20, 1, 2*ImageSide, 2*ImageSide), tensor.WithBacking(up)))
	if err != nil {
		t.Fatal(err)
	}
	// The antialiasing filter blurs a little; another image is much further away.
	var diff, other float64
	for i := range g {
		diff += math.Abs(float64(g[i] - x[i]))
		other += math.Abs(float64(g[i] - x[(i+per)%len(x)]))
	}
	if diff > 0.1*float64(len(g)) || diff > other/4 {
		t.Errorf("56×56 images resized to 28×28 differ from the originals by %.3f per pixel, from the next image by %.3f",
			diff/float64(len(g)), other/float64(len(g)))
	}

	bad := append([]float32(nil), x...)
	bad[per+5] = float32(math.NaN())
	if _, err := Gray28(asTensor(bad)); err == nil || !strings.Contains(err.Error(), "image 1") {
		t.Errorf("a NaN in image 1: %v", err)
	}
	if _, err := Gray28(tensor.New(tensor.WithShape(4, 2, 28, 28), tensor.WithBacking(make([]float32, 4*2*28*28)))); err == nil {
		t.Error("no error for two channels")
	}
	loud := []float32{3, -3}
	loud = append(loud, make([]float32, per-2)...)
	if g, _ := Gray28(asTensor(loud)); g[0] != 1 || g[1] != -1 {
		t.Errorf("values 3 and −3 became %v and %v, want 1 and −1", g[0], g[1])
	}
}
