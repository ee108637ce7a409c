package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/data"
	"gogan/internal/atomicfile"
	"gogan/train"
)

// readNpyFile reads an .npy written by the command as float32 values and their shape.
func readNpyFile(t *testing.T, path string) ([]float32, []int) {
	t.Helper()
	a, err := data.ReadNPY(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.Float32 == nil {
		t.Fatalf("%s holds bytes, want float32", path)
	}
	return a.Float32, a.Shape
}

// writeNpyFile writes float32 values of a shape as an .npy with the tensor library.
func writeNpyFile(t *testing.T, path string, values []float32, shape ...int) {
	t.Helper()
	d := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values))
	if err := atomicfile.Write(path, 0o644, d.WriteNpy); err != nil {
		t.Fatal(err)
	}
}

// TestGenerate makes images from a trained checkpoint in every way the command offers and
// checks that a seed fixes the bytes, that the ways agree with one another, and that each
// writes what it says.
func TestGenerate(t *testing.T) {
	run := trainTiny(t, 3)
	ck := filepath.Join(run, "checkpoints", "latest.safetensors")
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }
	gen := func(args ...string) { mustGan(t, append([]string{"generate"}, args...)...) }

	gen("--checkpoint", ck, "--n", "16", "--nrow", "4", "--seed", "5", "--out", at("a.png"), "--out-npy", at("a.npy"))
	gen("--checkpoint", ck, "--n", "16", "--nrow", "4", "--seed", "5", "--out", at("b.png"), "--out-npy", at("b.npy"))
	gen("--checkpoint", ck, "--n", "16", "--nrow", "4", "--seed", "6", "--out", at("c.png"), "--out-npy", at("c.npy"))

	t.Run("run folder", func(t *testing.T) {
		// A run folder stands for its latest checkpoint.
		gen("--checkpoint", run, "--n", "16", "--nrow", "4", "--seed", "5", "--out", at("folder.png"))
		if !bytes.Equal(readFile(t, at("folder.png")), readFile(t, at("a.png"))) {
			t.Error("--checkpoint with the run folder gave other images than with its latest checkpoint")
		}
		res := gan(t, "generate", "--checkpoint", dir, "--out", at("none.png"))
		if res.code == 0 || !strings.Contains(res.stderr, "a folder without checkpoints/latest.safetensors") {
			t.Errorf("a folder without checkpoints: exit %d, %q", res.code, res.stderr)
		}
	})
	t.Run("seed", func(t *testing.T) {
		for _, ext := range []string{".png", ".npy"} {
			a, b, c := readFile(t, at("a"+ext)), readFile(t, at("b"+ext)), readFile(t, at("c"+ext))
			if !bytes.Equal(a, b) {
				t.Errorf("%s: one seed gave different bytes", ext)
			}
			if bytes.Equal(a, c) {
				t.Errorf("%s: seeds 5 and 6 gave the same bytes", ext)
			}
		}
		if got, want := decodePNG(t, at("a.png")).Bounds().Size(), gridSize(16, 4, 28); got != want {
			t.Errorf("grid of 16 images 4 per row is %v, want %v", got, want)
		}
		v, shape := readNpyFile(t, at("a.npy"))
		if !slices.Equal(shape, []int{16, 1, 28, 28}) {
			t.Fatalf("--out-npy shape %v, want (16, 1, 28, 28)", shape)
		}
		for i, x := range v {
			if !(x >= -1 && x <= 1) {
				t.Fatalf("--out-npy value %d is %g, outside tanh's [-1, 1]", i, x)
			}
		}
	})

	t.Run("run-seed-reproduces-samples", func(t *testing.T) {
		// The run's seed (1) draws the run's fixed latents: the grid is the run's last sample grid.
		gen("--checkpoint", ck, "--seed", "1", "--out", at("run.png"))
		if !samePixels(t, at("run.png"), filepath.Join(run, "samples", "step_3.png")) {
			t.Errorf("generate --seed 1 differs from the run's samples/step_3.png")
		}
	})

	t.Run("out-dir", func(t *testing.T) {
		gen("--checkpoint", ck, "--n", "5", "--out-dir", at("each"))
		files, _ := filepath.Glob(filepath.Join(at("each"), "*.png"))
		if len(files) != 5 {
			t.Fatalf("--out-dir wrote %d files %v, want 5", len(files), files)
		}
		for _, f := range files {
			if got := decodePNG(t, f).Bounds().Size(); got.X != 28 || got.Y != 28 {
				t.Errorf("%s is %v, want 28×28", f, got)
			}
		}
		if _, err := os.Stat("grid.png"); err == nil {
			t.Errorf("--out-dir alone also wrote grid.png in the working folder")
		}
	})

	t.Run("interpolate", func(t *testing.T) {
		gen("--checkpoint", ck, "--interpolate", "5", "--seed", "5", "--out", at("path.png"), "--out-npy", at("path.npy"))
		if got, want := decodePNG(t, at("path.png")).Bounds().Size(), gridSize(5, 5, 28); got != want {
			t.Errorf("interpolation grid is %v, want one row of 5, %v", got, want)
		}
		// The path starts at the first latent of --seed and ends at that of --seed+1.
		path, _ := readNpyFile(t, at("path.npy"))
		seed5, _ := readNpyFile(t, at("a.npy"))
		seed6, _ := readNpyFile(t, at("c.npy"))
		const px = 28 * 28
		if d := maxDiff(path[:px], seed5[:px]); d > 1e-4 {
			t.Errorf("first image of the path differs from seed 5's by %g", d)
		}
		if d := maxDiff(path[4*px:], seed6[:px]); d > 1e-4 {
			t.Errorf("last image of the path differs from seed 6's by %g", d)
		}
		if d := maxDiff(path[2*px:3*px], path[:px]); d == 0 {
			t.Errorf("the middle of the path is its start")
		}
	})

	t.Run("weights", func(t *testing.T) {
		// A PyTorch generator's state dict: the tensors of the generator that --checkpoint
		// uses (the averaged one) without the prefix, and BatchNorm's num_batches_tracked
		// counters, which generating ignores (any value will do).
		ts, _ := copyTensors(t, ck, func(name string) (string, bool) {
			return strings.TrimPrefix(name, "generator_ema."),
				strings.HasPrefix(name, "generator_ema.") && !strings.HasSuffix(name, ".num_batches_tracked")
		})
		for _, x := range slices.Clone(ts) {
			if layer, ok := strings.CutSuffix(x.Name, ".running_mean"); ok {
				ts = append(ts, checkpoints.I64(layer+".num_batches_tracked", []int{}, []int64{12345}))
			}
		}
		if err := checkpoints.Write(at("g.safetensors"), ts, nil); err != nil {
			t.Fatal(err)
		}
		gen("--weights", at("g.safetensors"), "--arch", "dcgan28", "--nz", "8", "--ngf", "4", "--nc", "1",
			"--n", "16", "--seed", "5", "--out-npy", at("w.npy"))
		if !bytes.Equal(readFile(t, at("w.npy")), readFile(t, at("a.npy"))) {
			t.Errorf("--weights gave other images than --checkpoint")
		}
	})

	t.Run("latents", func(t *testing.T) {
		z := train.FixedLatents(5, 16, 8)
		writeNpyFile(t, at("z2.npy"), z, 16, 8)
		writeNpyFile(t, at("z4.npy"), z, 16, 8, 1, 1)
		for _, name := range []string{"z2", "z4"} {
			gen("--checkpoint", ck, "--latents", at(name+".npy"), "--out-npy", at(name+"-out.npy"))
			if !bytes.Equal(readFile(t, at(name+"-out.npy")), readFile(t, at("a.npy"))) {
				t.Errorf("--latents %s.npy holding seed 5's latents gave other images than --seed 5", name)
			}
		}
	})
}

// samePixels reports whether two PNGs decode to the same pixels.
func samePixels(t *testing.T, a, b string) bool {
	t.Helper()
	ia, ib := decodePNG(t, a), decodePNG(t, b)
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	for y := ia.Bounds().Min.Y; y < ia.Bounds().Max.Y; y++ {
		for x := ia.Bounds().Min.X; x < ia.Bounds().Max.X; x++ {
			if ia.At(x, y) != ib.At(x, y) {
				return false
			}
		}
	}
	return true
}

func maxDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

// TestGenerateBadLatents checks that malformed latent files are refused with one line that
// names the file.
func TestGenerateBadLatents(t *testing.T) {
	run := trainTiny(t, 1)
	ck := filepath.Join(run, "checkpoints", "latest.safetensors")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npy")
	writeNpyFile(t, good, make([]float32, 4*8), 4, 8)
	raw := readFile(t, good)
	f64 := tensor.New(tensor.WithShape(4, 8), tensor.WithBacking(make([]float64, 32)))
	cases := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"not-npy", []byte("hello, world\n"), "not an .npy"},
		{"truncated", raw[:len(raw)-9], "128 bytes"},
		{"wrong-nz", npyBytes(t, tensor.New(tensor.WithShape(4, 9), tensor.WithBacking(make([]float32, 36)))), "(N, 8)"},
		{"float64", npyBytes(t, f64), "'<f4'"},
		{"uint8", npyBytes(t, tensor.New(tensor.WithShape(4, 8), tensor.WithBacking(make([]uint8, 32)))), "latents must be float32"},
		{"huge-shape", bytes.Replace(raw, []byte("(4, 8)"), []byte("(400000000000, 8)"), 1), "shape"},
		{"no-shape", bytes.Replace(raw, []byte("'shape'"), []byte("'shope'"), 1), "shape"},
		{"bad-descr", bytes.Replace(raw, []byte("<f4"), []byte("<x9"), 1), "element type"},
		{"no-descr", bytes.Replace(raw, []byte("'descr'"), []byte("'dascr'"), 1), "element type"},
		{"fortran", bytes.Replace(raw, []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1), "Fortran"},
		{"long-header", append(append(slices.Clone(raw[:8]), 0xff, 0xff), raw[10:]...), "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".npy")
			if err := os.WriteFile(path, c.bytes, 0o644); err != nil {
				t.Fatal(err)
			}
			res := gan(t, "generate", "--checkpoint", ck, "--latents", path, "--out-npy", filepath.Join(dir, "out.npy"))
			expectOneLineError(t, res, path, c.want)
		})
	}
}

func npyBytes(t *testing.T, d *tensor.Dense) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := d.WriteNpy(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// expectOneLineError checks that the command failed with one short line on stderr that holds
// each of the wanted strings and no trace of a panic.
func expectOneLineError(t *testing.T, res ganResult, want ...string) {
	t.Helper()
	msg := strings.TrimSuffix(res.stderr, "\n")
	if res.code == 0 {
		t.Fatalf("exit status 0, want an error\nstdout: %s", res.stdout)
	}
	if msg == "" || strings.Contains(msg, "\n") || len(msg) > 400 {
		lines := strings.SplitAfter(res.stderr, "\n")
		t.Errorf("stderr is not one short line (%d lines):\n%s", len(lines), strings.Join(lines[:min(len(lines), 6)], ""))
	}
	first, _, _ := strings.Cut(msg, "\n")
	for _, bad := range []string{"panic", "goroutine", "runtime error", "fatal error"} {
		if strings.Contains(msg, bad) {
			t.Errorf("stderr mentions %q: %s", bad, first)
		}
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr does not say %q: %s", w, first)
		}
	}
	// "gan toy: toy: ..." says the command's name twice.
	if rest, ok := strings.CutPrefix(first, "gan "); ok {
		if name, after, ok := strings.Cut(rest, ": "); ok && strings.HasPrefix(after, name+":") {
			t.Errorf("the command's name twice: %s", first)
		}
	}
	if testing.Verbose() {
		t.Logf("exit %d: %s", res.code, first)
	}
}
