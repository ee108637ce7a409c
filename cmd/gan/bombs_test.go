package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var bombCount = 4

// TestDecompressionBombFolder trains on a folder of small PNGs that each decode to
// 7000×7000 colour pixels (about 200 MB, 600 with the resampler's copies), with 16 decoding
// goroutines under an address-space limit: the decodes must share a bounded budget, so the
// run trains (or refuses in one line) instead of dying of a runtime out-of-memory error.
func TestDecompressionBombFolder(t *testing.T) {
	if !canLimitAddressSpace {
		t.Skip("needs an address-space limit: RLIMIT_AS on Linux, without the race detector")
	}
	if testing.Short() {
		t.Skip("encodes a 7000×7000 image")
	}
	dir := t.TempDir()
	folder := filepath.Join(dir, "bombs")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 7000, 7000))); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < bombCount; i++ {
		if err := os.WriteFile(filepath.Join(folder, fmt.Sprintf("bomb%02d.png", i)), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	args := []string{"train", "--dataset", folder, "--image-size", "28", "--ngf", "4", "--ndf", "4", "--nz", "8",
		"--batch-size", "4", "--steps", "1", "--sample-every", "0", "--out", filepath.Join(dir, "run")}
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, []string{fmt.Sprintf("%s=%d", limitEnv, childAddressSpace), "GOMAXPROCS=16"}, &stdout, &stderr, args...)
	err := cmd.Wait()
	for _, bad := range []string{"fatal error", "goroutine ", "panic"} {
		if strings.Contains(stderr.String(), bad) {
			t.Fatalf("%v, %s:\n%.20000s", err, bad, stderr.String())
		}
	}
	if err != nil && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
		t.Errorf("%v, want training or a one-line refusal:\n%.800s", err, stderr.String())
	}
}

// TestIDXBombRefused gives an IDX file whose one image is 65535×65535 (4 GB in a 4 MB
// gzip file) with --image-size 28, as a refusal of its size suggests: it is refused from its
// header, before its pixels are read, not resized through 17 GB of colour copies.
func TestIDXBombRefused(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "mnist")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	// The header alone: the refusal must come before the (absent) pixels are read.
	writeGzipIDX(t, filepath.Join(folder, "train-images-idx3-ubyte.gz"), nil, 1, 65535, 65535)
	writeGzipIDX(t, filepath.Join(folder, "train-labels-idx1-ubyte.gz"), []byte{0}, 1)
	res := gan(t, trainArgs(folder, filepath.Join(dir, "run"), "--steps", "1", "--image-size", "28")...)
	expectOneLineError(t, res, "65535×65535", "4096")
}
