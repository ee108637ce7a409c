package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writePhotos writes n colour images of w×h, and grey ones of the same size, into a new
// folder and returns it.
func writePhotos(t *testing.T, n, grey, w, h int) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < n+grey; i++ {
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for p := 0; p < w*h; p++ {
			v := uint8(p*7 + i*13)
			c := color.NRGBA{v, v / 2, 255 - v, 255}
			if i >= n {
				c = color.NRGBA{v, v, v, 255}
			}
			img.SetNRGBA(p%w, p/w, c)
		}
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("photo_%02d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestTrainOnPhotos trains on a folder of photos that are not square and between two
// architectures' sizes: --arch auto makes them the largest trainable size they cover and says
// once, in one sentence, what it resized and which grey images it made RGB; --arch dcgan32
// makes them 32×32.
func TestTrainOnPhotos(t *testing.T) {
	photos := writePhotos(t, 14, 2, 120, 90)
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--dataset", photos, "--out", out, "--steps", "1"}, tinyNet...)
	res := mustGan(t, args...)
	want := photos + ": 16 images at 64×64 (the largest trainable size not above their most common shorter side, 90); 16 of 16 resized on their shorter side (most were 120×90) and centre-cropped; 2 grey images made RGB\n"
	if strings.Count(res.stderr, photos+": ") != 1 || !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not say once %q:\n%s", want, res.stderr)
	}
	res = mustGan(t, append(args, "--arch", "dcgan32", "--out", out+"32")...)
	want = photos + ": 16 images at 32×32 (dcgan32); 16 of 16 resized on their shorter side (most were 120×90) and centre-cropped; 2 grey images made RGB\n"
	if strings.Count(res.stderr, photos+": ") != 1 || !strings.Contains(res.stderr, want) {
		t.Errorf("stderr does not say once %q:\n%s", want, res.stderr)
	}
}

// TestKilledRunResumes kills a run with SIGKILL while it writes a checkpoint every step,
// and resumes from its latest checkpoint: the log matches the weights and nothing is mixed.
func TestKilledRunResumes(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, nil, &stdout, &stderr, trainArgs(data, out, "--steps", "1000000", "--checkpoint-every", "1", "--sample-every", "1")...)
	waitForSteps(t, cmd, &stderr, filepath.Join(out, "metrics.jsonl"), 6)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	res := mustGan(t, "train", "--resume", latestOf(out), "--steps", "12")
	lines := metricLines(t, filepath.Join(out, "metrics.jsonl"))
	for i, l := range lines {
		if l["step"] != float64(i+1) {
			t.Fatalf("metrics.jsonl line %d is step %v after the resume\nstderr: %s", i+1, l["step"], res.stderr)
		}
	}
	if len(lines) != 12 {
		t.Errorf("metrics.jsonl has %d lines, want 12", len(lines))
	}
}
