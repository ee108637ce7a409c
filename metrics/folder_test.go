package metrics

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/cpu"
)

// smallFolder writes perClass images of each class of the real test split as PNGs into class
// subfolders of a new folder, and returns it.
func smallFolder(t *testing.T, perClass int) string {
	t.Helper()
	ds := realTestSplit(t)
	root := t.TempDir()
	count := make([]int, ds.Classes)
	_, h, w := ds.Shape()
	for i := 0; i < ds.Len(); i++ {
		y := ds.Labels[i]
		if count[y] == perClass {
			continue
		}
		count[y]++
		dir := filepath.Join(root, ds.ClassNames[y])
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		img := &image.Gray{Pix: append([]uint8(nil), ds.Image(i)...), Stride: w, Rect: image.Rect(0, 0, w, h)}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%05d.png", i)), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// tinyFolderRecipe trains a folder's extractor in seconds.
var tinyFolderRecipe = Recipe{Images: 6000, MinEpochs: 1, BatchSize: 32, LR: 2e-3, Shift: 2, ShiftBelow: 20000, Seed: 1}

// TestFolderEvaluatorOrders checks, on a small class folder made from real images, that the
// Fréchet distance of both of a folder's extractors, the classifier of its class subfolders
// and the rotation predictor trained without labels, orders real < blurred real < noise; and
// that the extractor is cached under the folder's fingerprint and used again.
func TestFolderEvaluatorOrders(t *testing.T) {
	root := smallFolder(t, 60)
	cache := t.TempDir()
	for _, ignore := range []bool{false, true} {
		var log bytes.Buffer
		o := Options{Dataset: root, N: 300, Seed: 1, CacheDir: cache, Backend: cpu.New(), Log: &log,
			IgnoreLabels: ignore, folderRecipe: &tinyFolderRecipe}
		l := measureLadder(t, o, nil, nil)
		t.Logf("ignore labels %v: %v %v", ignore, l.names, l.fd)
		if m := l.misordered(); m != "" {
			t.Errorf("ignore labels %v: %s", ignore, m)
		}
		if n := strings.Count(log.String(), "training the extractor"); n != 1 {
			t.Errorf("ignore labels %v: the extractor was trained %d times, want once and then read from the cache:\n%s", ignore, n, log.String())
		}
		ev, err := NewEvaluator(o)
		if err != nil {
			t.Fatal(err)
		}
		want := map[bool]string{false: TaskClasses, true: TaskRotation}[ignore]
		if r := ev.Report(nil, ""); r.ExtractorTask != want || !strings.Contains(r.Extractor, want) ||
			!strings.Contains(r.ExtractorTrainedOn, "the extractor's part") || !strings.Contains(r.Reference, "half") {
			t.Errorf("ignore labels %v: report %+v, want task %s and the parts described", ignore, r, want)
		}
	}
	entries, _ := os.ReadDir(cache)
	if len(entries) != 2 {
		t.Errorf("cache holds %d files, want one per extractor (2)", len(entries))
	}
}

// TestRotateAll checks the four rotations against each other: four quarter turns are none,
// two are a half turn read backwards, and the labels count the turns.
func TestRotateAll(t *testing.T) {
	in := Input{2, 3}
	x := make([]float32, in.Size())
	for i := range x {
		x[i] = float32(i)
	}
	out, labels := rotateAll(x, in)
	if len(out) != 4*len(x) || fmt.Sprint(labels) != "[0 1 2 3]" {
		t.Fatalf("%d values, labels %v; want %d and [0 1 2 3]", len(out), labels, 4*len(x))
	}
	plane := in.Side * in.Side
	for p := 0; p < in.Size(); p += plane {
		for i := 0; i < plane; i++ {
			if out[p+i] != x[p+i] || out[2*len(x)+p+i] != x[p+plane-1-i] {
				t.Fatalf("rotation 0 or 2 wrong at %d: %v", p+i, out)
			}
		}
	}
	// A quarter turn counterclockwise moves the top right corner to the top left.
	if out[len(x)] != x[in.Side-1] {
		t.Errorf("quarter turn: top left is %v, want the top right %v", out[len(x)], x[in.Side-1])
	}
	tmp := make([]float32, plane)
	y := append([]float32(nil), out[len(x):2*len(x)]...)
	for k := 0; k < 3; k++ {
		rotateImage(y, in, 1, tmp)
	}
	for i := range y {
		if y[i] != x[i] {
			t.Fatalf("four quarter turns are not the identity: %v, want %v", y, x)
		}
	}
}
