package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"gogan/data"
)

// torchGenerators runs scripts/pth_generators.py into a temporary folder and returns it,
// skipping when PyTorch is not installed.
func torchGenerators(t *testing.T) string {
	t.Helper()
	const python = "/usr/bin/python3"
	if out, err := exec.Command(python, "-c", "import torch, numpy").CombinedOutput(); err != nil {
		t.Skipf("needs %s with torch and numpy (Debian python3-torch, python3-numpy): %v %.200s", python, err, out)
	}
	dir := t.TempDir()
	cmd := exec.Command(python, filepath.Join("..", "..", "scripts", "pth_generators.py"), dir)
	cmd.Env = append(os.Environ(), "OMP_NUM_THREADS=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pth_generators.py: %v\n%s", err, out)
	}
	return dir
}

// maxAbsDiff compares two .npy images of the same shape.
func maxAbsDiff(t *testing.T, got, want string) float64 {
	t.Helper()
	a, err := data.ReadNPY(got)
	if err != nil {
		t.Fatal(err)
	}
	b, err := data.ReadNPY(want)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Shape, b.Shape) {
		t.Fatalf("%s is %v, PyTorch's %v", got, a.Shape, b.Shape)
	}
	worst := 0.0
	for i := range a.Float32 {
		worst = max(worst, math.Abs(float64(a.Float32[i])-float64(b.Float32[i])))
	}
	return worst
}

// TestPyTorchGenerators makes images with generators that PyTorch saved, read from .pth and
// from safetensors with their sizes inferred, and compares them with PyTorch's own images
// of the same latents.
func TestPyTorchGenerators(t *testing.T) {
	dir := torchGenerators(t)
	at := func(name string) string { return filepath.Join(dir, name) }
	cases := []struct{ weights, set string }{
		{"dcgan28.pth", "dcgan28"},
		{"dcgan28.safetensors", "dcgan28"},
		{"dcgan64_half.pth", "dcgan64_half"},
		{"netG_epoch_0.pth", "netG_epoch_0"},
		{"netG_epoch_0.safetensors", "netG_epoch_0"},
		{"netG_epoch_0_double.pth", "netG_epoch_0"},
	}
	for _, c := range cases {
		t.Run(c.weights, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "images.npy")
			mustGan(t, "generate", "--weights", at(c.weights), "--latents", at(c.set+"_z.npy"), "--out-npy", out)
			// float32 sums in another order than PyTorch's differ by some ulps of the
			// activations; a wrong weight or layout differs by orders of magnitude more.
			err := maxAbsDiff(t, out, at(c.set+"_images.npy"))
			t.Logf("max abs error against PyTorch: %.3g", err)
			if err > 1e-6 {
				t.Errorf("images differ from PyTorch's by up to %g", err)
			}
		})
	}
	t.Run("flags", func(t *testing.T) {
		mustGan(t, "generate", "--weights", at("netG_epoch_0.pth"), "--arch", "dcgan64", "--nz", "12", "--ngf", "4", "--nc", "3", "--out", filepath.Join(t.TempDir(), "g.png"))
		expectOneLineError(t, gan(t, "generate", "--weights", at("netG_epoch_0.pth"), "--ngf", "64"), "--ngf 64", "ngf 4")
		expectOneLineError(t, gan(t, "generate", "--weights", at("dcgan28.pth"), "--arch", "dcgan64"), "--arch dcgan64", "dcgan28 generator")
	})
	t.Run("refused", func(t *testing.T) {
		for name, want := range map[string]string{
			"netG_model.pth":        "__main__.Generator",
			"hostile_os_system.pth": "system",
			"hostile_eval.pth":      "eval",
		} {
			expectOneLineError(t, gan(t, "generate", "--weights", at(name), "--out", filepath.Join(t.TempDir(), "g.png")), at(name), want, "refused")
		}
		if _, err := os.Stat(at("PWNED")); err == nil {
			t.Fatal("a hostile file ran its code")
		}
	})
}
