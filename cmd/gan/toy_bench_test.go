package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// lastLine is the last non-empty line of a command's output.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestToyConverges runs the one-dimensional experiment with its defaults and checks that it
// reaches the equilibrium the theory predicts: D(real) near ½ and D's loss near log 4.
func TestToyConverges(t *testing.T) {
	out := t.TempDir()
	res := mustGan(t, "toy", "--json", "--out", out)
	var m struct {
		DReal float64 `json:"d_real"`
		LossD float64 `json:"loss_d"`
		LossG float64 `json:"loss_g"`
		Steps int     `json:"steps"`
		Loss  string  `json:"loss"`
	}
	if err := json.Unmarshal([]byte(lastLine(res.stdout)), &m); err != nil {
		t.Fatalf("last line of gan toy --json is not JSON: %v\n%s", err, res.stdout)
	}
	t.Logf("after %d steps of %s: D(real) %.4f, loss D %.4f (log 4 = %.4f), loss G %.4f", m.Steps, m.Loss, m.DReal, m.LossD, math.Log(4), m.LossG)
	if m.DReal < 0.4 || m.DReal > 0.6 {
		t.Errorf("D(real) %.4f, want within [0.4, 0.6]", m.DReal)
	}
	if d := math.Abs(m.LossD - math.Log(4)); d > 0.15 {
		t.Errorf("loss D %.4f is %.4f from log 4, want within 0.15", m.LossD, d)
	}
	if m.Steps != 5000 || m.Loss != "minimax" {
		t.Errorf("the JSON says %d steps of %q, want the defaults, 5000 of minimax", m.Steps, m.Loss)
	}
	decodePNG(t, filepath.Join(out, "toy.png"))
}

// TestBench checks that gan bench --json times a step and reports it as one JSON object.
func TestBench(t *testing.T) {
	res := mustGan(t, "bench", "--json", "--arch", "dcgan28", "--batch-size", "4", "--steps", "1", "--warmup", "0")
	var m struct {
		Arch       string  `json:"arch"`
		BatchSize  int     `json:"batch_size"`
		Device     string  `json:"device"`
		Steps      int     `json:"steps"`
		MsPerStep  float64 `json:"ms_per_step"`
		ImagesPerS float64 `json:"images_per_s"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(res.stdout)), &m); err != nil {
		t.Fatalf("gan bench --json printed other than one JSON object: %v\n%s", err, res.stdout)
	}
	if m.Arch != "dcgan28" || m.BatchSize != 4 || m.Steps != 1 || m.Device == "" {
		t.Errorf("bench reports %+v, want dcgan28, batch 4, 1 step and a device", m)
	}
	if !(m.MsPerStep > 0) || !(m.ImagesPerS > 0) {
		t.Errorf("ms_per_step %g and images_per_s %g, want both positive", m.MsPerStep, m.ImagesPerS)
	}
	if r := m.ImagesPerS * m.MsPerStep / 1000; math.Abs(r-4) > 1e-6 {
		t.Errorf("images_per_s × ms_per_step = %g images, want the batch size 4", r)
	}
}

// TestInfo checks that gan info names the build flavour and the CPU.
func TestInfo(t *testing.T) {
	res := mustGan(t, "info")
	for _, want := range []string{"gogan build: " + buildFlavour, "go: go1", "cpu features:", "gpus:"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("gan info does not say %q:\n%s", want, res.stdout)
		}
	}
}
