package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/disintegration/imaging"

	"gogan/checkpoints"
)

// The end-to-end tests drive the whole command through runMain on tiny networks and a
// synthetic IDX dataset, so that they run in seconds on two cores.

// synthImages is the size of the synthetic dataset: with batches of 8 an epoch is 5 steps,
// so runs of a few steps cross epoch boundaries.
const synthImages = 40

// tinyNet are the flags of a network small enough for a step to take milliseconds.
var tinyNet = []string{"--ngf", "4", "--ndf", "4", "--nz", "8", "--batch-size", "8"}

// ganResult is what one run of the command left behind.
type ganResult struct {
	code           int
	stdout, stderr string
}

// gan runs the command in-process. A panic is reported as a test failure naming the
// arguments, since a panic is never an acceptable answer to any input.
func gan(t *testing.T, args ...string) (res ganResult) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("gan %s panicked: %v\n%s", strings.Join(args, " "), r, debug.Stack())
		}
	}()
	code := runMain(args, &stdout, &stderr)
	return ganResult{code, stdout.String(), stderr.String()}
}

// mustGan runs the command and fails the test unless it succeeds.
func mustGan(t *testing.T, args ...string) ganResult {
	t.Helper()
	res := gan(t, args...)
	if res.code != 0 {
		t.Fatalf("gan %s: exit %d\nstderr: %s", strings.Join(args, " "), res.code, res.stderr)
	}
	return res
}

// writeIDXDataset writes an MNIST-named training split of n 28×28 images under
// dir/mnist and returns that folder. Each image is a bright disc on a dark ground, at a
// place and size of its own, so that the images differ as real digits do.
func writeIDXDataset(t *testing.T, dir string, n int) string {
	t.Helper()
	folder := filepath.Join(dir, "mnist")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	pixels := make([]byte, n*28*28)
	labels := make([]byte, n)
	for i := 0; i < n; i++ {
		cx, cy, r := 8+rng.Float64()*12, 8+rng.Float64()*12, 3+rng.Float64()*5
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				if dx, dy := float64(x)-cx, float64(y)-cy; dx*dx+dy*dy < r*r {
					pixels[i*784+y*28+x] = byte(200 + rng.IntN(56))
				}
			}
		}
		labels[i] = byte(i % 10)
	}
	writeGzipIDX(t, filepath.Join(folder, "train-images-idx3-ubyte.gz"), pixels, n, 28, 28)
	writeGzipIDX(t, filepath.Join(folder, "train-labels-idx1-ubyte.gz"), labels, n)
	return folder
}

// writeGzipIDX writes an IDX file of unsigned bytes with the given dimensions, gzipped.
func writeGzipIDX(t *testing.T, path string, payload []byte, dims ...int) {
	t.Helper()
	var raw bytes.Buffer
	raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&raw, binary.BigEndian, uint32(d))
	}
	raw.Write(payload)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// trainArgs are the arguments of a tiny training run on the dataset in data, writing to out.
func trainArgs(data, out string, extra ...string) []string {
	args := append([]string{"train", "--dataset", "mnist", "--data", data, "--out", out}, tinyNet...)
	return append(args, extra...)
}

// trainTiny trains a tiny network for steps steps in a new folder and returns the run folder.
func trainTiny(t *testing.T, steps int, extra ...string) string {
	t.Helper()
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	mustGan(t, trainArgs(data, out, append([]string{"--steps", fmt.Sprint(steps)}, extra...)...)...)
	return out
}

// decodePNG decodes a PNG file and fails the test if it does not decode.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := imaging.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// gridSize is the size of a grid of n images of side px, cols per row, with the 2-pixel
// padding that the command's grids use.
func gridSize(n, cols, px int) image.Point {
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	return image.Pt(cols*(px+2)+2, rows*(px+2)+2)
}

// readFile reads a file and fails the test if it cannot.
func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// metricLines parses metrics.jsonl into one map per line, failing on a line that is not
// a JSON object.
func metricLines(t *testing.T, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(string(readFile(t, path)), "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%s:%d: %v: %q", path, i+1, err, line)
		}
		out = append(out, m)
	}
	return out
}

// copyTensors reads every tensor of a safetensors file, so that a test can rewrite the file
// with some of them renamed or its metadata changed.
func copyTensors(t *testing.T, path string, keep func(name string) (string, bool)) ([]checkpoints.Tensor, map[string]string) {
	t.Helper()
	f, err := checkpoints.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var ts []checkpoints.Tensor
	for _, name := range f.Names() {
		to, ok := keep(name)
		if !ok {
			continue
		}
		info, _ := f.Info(name)
		switch info.DType {
		case checkpoints.Float32:
			v, err := f.F32(name)
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, checkpoints.F32(to, info.Shape, v))
		case checkpoints.Int64:
			v, err := f.I64(name)
			if err != nil {
				t.Fatal(err)
			}
			ts = append(ts, checkpoints.I64(to, info.Shape, v))
		default:
			t.Fatalf("%s: tensor %s of unexpected dtype %s", path, name, info.DType)
		}
	}
	return ts, f.Metadata()
}

// all keeps every tensor under its own name.
func all(name string) (string, bool) { return name, true }

// waitUntil polls ready every 10 ms until it holds; past limit it kills cmd and fails the
// test, saying what it waited for and what cmd wrote to stderr.
func waitUntil(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, limit time.Duration, what string, ready func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ready() {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("%s within %v\nstderr: %s", what, limit, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
