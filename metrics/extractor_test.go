package metrics

import (
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gogan/cpu"
	"gogan/data"
)

// Where the tests find real images: Fashion-MNIST from Debian's dataset-fashion-mnist, MNIST's
// test split from the shared folder beside the repository.
const (
	fashionDir = "/usr/share/datasets/fashion-mnist"
	mnistDir   = "../../shared/datasets/mnist"
)

// realTestSplit is the test split of Fashion-MNIST, or of MNIST where Fashion-MNIST is absent.
func realTestSplit(t *testing.T) *data.Dataset {
	t.Helper()
	for _, c := range []struct{ name, dir string }{{"fashion-mnist", fashionDir}, {"mnist", mnistDir}} {
		if _, err := os.Stat(c.dir); err != nil {
			continue
		}
		ds, err := data.Open(data.Spec{Name: c.name, Dir: c.dir, Split: "test"})
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	t.Skip("needs real images: apt-get install dataset-fashion-mnist, or MNIST's test split in ../shared/datasets/mnist")
	return nil
}

// tinyRecipe trains in a couple of seconds to an extractor that knows the classes roughly,
// which is enough for the metrics to react to what they should.
var tinyRecipe = Recipe{Images: 3000, MinEpochs: 1, BatchSize: 32, LR: 2e-3, Seed: 1}

// The test split, in a seeded order, is cut into the tiny extractor's training images
// (3000), its held-out images (1000) and three sets of 1000 for the metrics.
type tinyFixture struct {
	ex                  *Extractor
	train, held         Part
	ref, base, degraded Part
}

var (
	tinyOnce sync.Once
	tiny     tinyFixture
	tinyErr  error
)

func tinyExtractor(t *testing.T) tinyFixture {
	t.Helper()
	ds := realTestSplit(t)
	tinyOnce.Do(func() {
		all := whole(ds)
		all.Index = data.Permutation(ds.Len(), 11, 0)
		tiny.train, tiny.held = all.slice(0, 3000, "train"), all.slice(3000, 4000, "held")
		tiny.ref, tiny.base, tiny.degraded = all.slice(4000, 5000, "ref"), all.slice(5000, 6000, "base"), all.slice(6000, 7000, "degraded")
		tiny.ex, tinyErr = Train(cpu.New(), "fashion-mnist", tiny.train, tiny.held, tinyRecipe, io.Discard)
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tiny
}

func TestTinyExtractorLearns(t *testing.T) {
	f := tinyExtractor(t)
	t.Logf("tiny extractor: %.1f%% on %d held-out images", 100*f.ex.Info.Accuracy, f.held.Len())
	if f.ex.Info.Accuracy < 0.6 {
		t.Errorf("accuracy %.3f after %d images, want at least 0.6 (chance is 0.1)", f.ex.Info.Accuracy, tinyRecipe.Images)
	}
	// The accuracy in the info is the held-out images' one, measured again here.
	if got := f.ex.Embed(images(f.held)).Accuracy(labels(f.held)); got != f.ex.Info.Accuracy {
		t.Errorf("held-out accuracy %v, info says %v", got, f.ex.Info.Accuracy)
	}
}

func TestExtractorCache(t *testing.T) {
	f := tinyExtractor(t)
	dir := t.TempDir()
	path := CachePath(dir, "fashion-mnist")
	if filepath.Base(path) != "extractor-fashion-mnist-v1.safetensors" {
		t.Errorf("cache file %s, want extractor-fashion-mnist-v1.safetensors", filepath.Base(path))
	}
	if err := f.ex.Save(path); err != nil {
		t.Fatal(err)
	}
	// Obtain must take the cached file and not train: with no data anywhere, training fails.
	t.Setenv("GOGAN_DATA", t.TempDir())
	loaded, err := Obtain(cpu.New(), "fashion-mnist", t.TempDir(), dir, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Info != f.ex.Info {
		t.Errorf("loaded info %+v, saved %+v", loaded.Info, f.ex.Info)
	}
	x := images(f.held)[:50*ImageSide*ImageSide]
	a, b := f.ex.Embed(x), loaded.Embed(x)
	for i := range a.Features {
		if a.Features[i] != b.Features[i] {
			t.Fatalf("feature %d: %v after loading, %v before", i, b.Features[i], a.Features[i])
		}
	}
	if _, err := LoadExtractor(cpu.New(), path, "mnist"); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("loading a fashion-mnist extractor for mnist: %v, want an error naming %s", err, path)
	}

	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw[:len(raw)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Obtain(cpu.New(), "fashion-mnist", t.TempDir(), dir, false, io.Discard)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "--retrain") || strings.Contains(err.Error(), "\n") {
		t.Errorf("truncated cache: %v, want one line naming %s and --retrain", err, path)
	}
	// MNIST has no system folder, so with $GOGAN_DATA empty nothing can be found.
	_, err = Obtain(cpu.New(), "mnist", t.TempDir(), t.TempDir(), false, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("no cache and no data: %v, want the dataset's not-found error", err)
	}
}

// TestExtractorAccuracy trains the real extractors and checks the accuracies the issue asks
// for. It takes minutes, so it runs only with GOGAN_METRICS_FULL=1.
func TestExtractorAccuracy(t *testing.T) {
	if os.Getenv("GOGAN_METRICS_FULL") == "" {
		t.Skip("trains the full extractors for minutes; set GOGAN_METRICS_FULL=1")
	}
	for _, c := range []struct {
		name, dir string
		want      float64
	}{{"mnist", mnistDir, 0.99}, {"fashion-mnist", fashionDir, 0.90}} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := os.Stat(c.dir); err != nil {
				t.Skipf("%s is not in %s", c.name, c.dir)
			}
			ex, err := Obtain(cpu.New(), c.name, c.dir, t.TempDir(), true, testLog{t})
			if err != nil {
				t.Fatal(err)
			}
			if ex.Info.Accuracy < c.want {
				t.Errorf("%s: %.2f%% on %s, want at least %.0f%%", c.name, 100*ex.Info.Accuracy, ex.Info.HeldOut, 100*c.want)
			}
		})
	}
}

// testLog passes progress lines to the test log.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestCrossEntropyGradient checks the host loss's gradient against central differences.
func TestCrossEntropyGradient(t *testing.T) {
	const n, classes = 3, 5
	rng := rand.New(rand.NewPCG(4, 4))
	logits := make([]float32, n*classes)
	for i := range logits {
		logits[i] = float32(2 * rng.NormFloat64())
	}
	batchLabels := []uint8{4, 0, 2}
	grad := make([]float32, n*classes)
	crossEntropy(grad, logits, batchLabels, classes)
	scratch := make([]float32, n*classes)
	const h = 1e-2
	for i := range logits {
		saved := logits[i]
		logits[i] = saved + h
		up := crossEntropy(scratch, logits, batchLabels, classes)
		logits[i] = saved - h
		down := crossEntropy(scratch, logits, batchLabels, classes)
		logits[i] = saved
		// The float32 logits move by what rounding leaves of ±h.
		step := float64(float32(saved+h)) - float64(float32(saved-h))
		if want := (up - down) / step; math.Abs(float64(grad[i])-want) > 1e-4 {
			t.Errorf("dloss/dlogit %d: %v, differences give %v", i, grad[i], want)
		}
	}
}
