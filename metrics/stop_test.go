package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gogan/cpu"
)

// cancelOnLine is a log that cancels a context when a line holding trigger is written.
type cancelOnLine struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	trigger string
	cancel  func()
}

func (l *cancelOnLine) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytes.Contains(p, []byte(l.trigger)) {
		l.cancel()
	}
	return l.buf.Write(p)
}

// noiseFolder writes n random 32×32 grey PNGs into a new folder.
func noiseFolder(t *testing.T, n int) string {
	t.Helper()
	root := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < n; i++ {
		img := image.NewGray(image.Rect(0, 0, 32, 32))
		for j := range img.Pix {
			img.Pix[j] = uint8(rng.IntN(256))
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, fmt.Sprintf("%03d.png", i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestExtractorTrainingStops cancels the context of an evaluator whose extractor is being
// trained, at its first progress line (step 200 of many thousands): the training ends
// before its next progress line, with an error that wraps the cause, and nothing is cached.
// (A stop signal used to wait for the whole training, 83 s for MNIST's classifier.)
func TestExtractorTrainingStops(t *testing.T) {
	cause := errors.New("interrupted (test)")
	ctx, cancel := context.WithCancelCause(context.Background())
	log := &cancelOnLine{trigger: "extractor: epoch", cancel: func() { cancel(cause) }}
	cache := t.TempDir()
	recipe := Recipe{Images: 1 << 20, MinEpochs: 1, BatchSize: 8, LR: 1e-3, Seed: 1}
	o := Options{Dataset: noiseFolder(t, 40), N: 10, CacheDir: cache, Backend: cpu.New(), Log: log,
		Task: TaskRotation, folderRecipe: &recipe, Context: ctx}
	_, err := NewEvaluator(o)
	if !errors.Is(err, cause) {
		t.Fatalf("NewEvaluator after a stop: %v, want an error wrapping %q", err, cause)
	}
	if n := strings.Count(log.buf.String(), "extractor: epoch"); n != 1 {
		t.Errorf("%d progress lines, want the training to end within a step of the first:\n%s", n, log.buf.String())
	}
	if entries, _ := os.ReadDir(cache); len(entries) > 0 {
		t.Errorf("a stopped training left %s in the cache", entries[0].Name())
	}
}

// TestUnwritableCacheFailsFirst asks for an extractor to be trained into a cache folder that
// cannot be written (/proc): the refusal comes before any training step, where it once came
// after the whole training.
func TestUnwritableCacheFailsFirst(t *testing.T) {
	if st, err := os.Stat("/proc/self"); err != nil || !st.IsDir() {
		t.Skip("needs /proc, a folder nothing can be created in")
	}
	var log bytes.Buffer
	recipe := Recipe{Images: 4000, MinEpochs: 1, BatchSize: 8, LR: 1e-3, Seed: 1}
	o := Options{Dataset: noiseFolder(t, 40), N: 10, CacheDir: "/proc", Backend: cpu.New(), Log: &log,
		Task: TaskRotation, folderRecipe: &recipe}
	_, err := NewEvaluator(o)
	if err == nil || !strings.Contains(err.Error(), "/proc") {
		t.Fatalf("NewEvaluator with --cache /proc: %v, want a refusal naming it", err)
	}
	if strings.Contains(log.String(), "extractor: epoch") {
		t.Errorf("refused only after training:\n%s", log.String())
	}
}
