package main

import (
	"bytes"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateOutputs checks what generate says it writes, the formats its names ask for,
// and that it replaces no file unless told to.
func TestGenerateOutputs(t *testing.T) {
	f := newBadInputFixture(t)
	gen := func(extra ...string) []string { return append([]string{"generate", "--checkpoint", f.ck}, extra...) }

	dir := f.path("each")
	res := mustGan(t, gen("--n", "3", "--out-dir", dir)...)
	firstName, lastName, ok := strings.Cut(strings.TrimPrefix(strings.TrimSpace(res.stdout), "wrote 3 images to "), " … ")
	if !ok {
		t.Fatalf("stdout %q does not name the first and last file", res.stdout)
	}
	for _, p := range []string{firstName, filepath.Join(dir, lastName)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the message names %s: %v", p, err)
		}
	}

	jpg := f.path("grid.jpg")
	mustGan(t, gen("--n", "4", "--out", jpg)...)
	if _, err := jpeg.Decode(bytes.NewReader(readFile(t, jpg))); err != nil {
		t.Errorf("%s is not a JPEG: %v", jpg, err)
	}
	expectOneLineError(t, gan(t, gen("--out", f.path("grid.gif"))...), "grid.gif", ".png, .jpg or .jpeg")
	if _, err := os.Stat(f.path("grid.gif")); err == nil {
		t.Error("a refused name was written")
	}

	grid := f.path("grid.png")
	mustGan(t, gen("--n", "4", "--out", grid)...)
	before := readFile(t, grid)
	expectOneLineError(t, gan(t, gen("--n", "9", "--out", grid)...), grid, "--force")
	expectOneLineError(t, gan(t, gen("--n", "3", "--out-dir", dir)...), "image000000.png", "--force")
	if !bytes.Equal(readFile(t, grid), before) {
		t.Error("a refused run changed the file")
	}
	mustGan(t, gen("--n", "9", "--out", grid, "--force")...)
	if bytes.Equal(readFile(t, grid), before) {
		t.Error("--force did not overwrite")
	}

	res = mustGan(t, gen("--interpolate", "5", "--n", "3", "--out", f.path("path.png"))...)
	if !strings.Contains(res.stderr, "--interpolate 5 makes 5 images; --n 3 is ignored") || !strings.Contains(res.stdout, "grid of 5 images") {
		t.Errorf("--interpolate with --n: stdout %q, stderr %q", res.stdout, res.stderr)
	}

	config := filepath.Join(filepath.Dir(filepath.Dir(f.ck)), "config.json")
	expectOneLineError(t, gan(t, "generate", "--checkpoint", config), config, "not a safetensors file")
}

// TestResumeFromRunFolder resumes from the run folder rather than the checkpoint inside it.
func TestResumeFromRunFolder(t *testing.T) {
	run := trainTiny(t, 2)
	res := mustGan(t, "train", "--resume", run, "--steps", "3")
	if !strings.Contains(res.stdout, "trained 3 steps; outputs in "+run) {
		t.Errorf("stdout %q", res.stdout)
	}
	empty := t.TempDir()
	expectOneLineError(t, gan(t, "train", "--resume", empty, "--steps", "3"), empty, "checkpoints/latest.safetensors")
}

func TestSmallFrictions(t *testing.T) {
	res := gan(t, "toy", "-h")
	if !strings.Contains(res.stderr, "(default 0.0001)") || strings.Contains(res.stderr, "9.99") {
		t.Errorf("gan toy -h shows lr as:\n%s", res.stderr)
	}
	res = gan(t, "train", "-h")
	if !strings.Contains(res.stderr, "(0: never)") {
		t.Errorf("gan train -h does not say what --sample-every 0 does:\n%s", res.stderr)
	}

	// gan data, like gan train, takes Fashion-MNIST when no dataset is named.
	dir := t.TempDir()
	if err := os.Rename(writeIDXDataset(t, dir, 16), filepath.Join(dir, "fashion-mnist")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOGAN_DATA", dir)
	t.Chdir(t.TempDir())
	res = mustGan(t, "data")
	if !strings.Contains(res.stdout, "Fashion-MNIST") || !strings.Contains(res.stdout, "fashion-mnist-train.png") {
		t.Errorf("gan data with no --dataset:\n%s", res.stdout)
	}
}

// TestSampleEveryZero: --sample-every 0 writes no sample grid, and so no animation, while
// the rest of the run's outputs are still written.
func TestSampleEveryZero(t *testing.T) {
	run := trainTiny(t, 3, "--sample-every", "0")
	grids, err := os.ReadDir(filepath.Join(run, "samples"))
	if err != nil || len(grids) != 0 {
		t.Errorf("samples/ holds %d files (%v), want none", len(grids), err)
	}
	if _, err := os.Stat(filepath.Join(run, "progress.gif")); err == nil {
		t.Error("progress.gif written without sample grids")
	}
	decodePNG(t, filepath.Join(run, "loss.png"))
}
