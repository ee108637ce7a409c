package main

import (
	"path/filepath"
	"strings"
	"testing"

	"gogan/internal/atomicfile"

	"gorgonia.org/tensor"
)

// TestEvalSamplesOutsideTheRangeWarnsOnce: .npy samples with values outside [-1, 1] are
// scored with one warning naming the range found; samples inside it get none.
func TestEvalSamplesOutsideTheRangeWarnsOnce(t *testing.T) {
	dataDir, cache := evalFixture(t)
	dir := t.TempDir()
	inside := filepath.Join(dir, "inside.npy")
	writeNoiseNPY(t, inside, 100)
	x := make([]float32, 100*28*28) // as from a tool that writes images in [0, 255]
	for i := range x {
		x[i] = float32(i % 256)
	}
	outside := filepath.Join(dir, "outside.npy")
	d := tensor.New(tensor.WithShape(100, 1, 28, 28), tensor.WithBacking(x))
	if err := atomicfile.Write(outside, 0o644, d.WriteNpy); err != nil {
		t.Fatal(err)
	}
	base := []string{"eval", "--dataset", "mnist", "--data", dataDir, "--cache", cache, "--samples"}
	res := mustGan(t, append(base, outside)...)
	if n := strings.Count(res.stderr, "outside the [-1, 1]"); n != 1 || !strings.Contains(res.stderr, "from 0 to 255") {
		t.Errorf("want one warning naming the range 0 to 255, got %d:\n%s", n, res.stderr)
	}
	if res := mustGan(t, append(base, inside)...); strings.Contains(res.stderr, "outside the [-1, 1]") {
		t.Errorf("samples inside [-1, 1] warned:\n%s", res.stderr)
	}
}
