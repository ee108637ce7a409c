package main

import (
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gogan/data"
)

// writeClassFolder writes a class folder of 28×28 images, perClass of each class, each class
// a hue of its own.
func writeClassFolder(t *testing.T, classes []string, perClass int) string {
	t.Helper()
	dir := t.TempDir()
	for k, class := range classes {
		for i := range perClass {
			c := color.NRGBA{uint8(80 * k), uint8(20 * i), 255 - uint8(80*k), 255}
			writeSolidPNGSized(t, filepath.Join(dir, class, fmt.Sprintf("%02d.png", i)), c, 28)
		}
	}
	return dir
}

// TestClassFolderRun trains a conditional GAN on a class folder: the header lists the
// classes with their counts, real_samples.png has a row per class, and --out-dir writes a
// subfolder per class that reads back as the same classes, each image where its label says.
func TestClassFolderRun(t *testing.T) {
	classes := []string{"ant", "bee", "cat"}
	folder := writeClassFolder(t, classes, 8)
	runDir := filepath.Join(t.TempDir(), "run")
	res := mustGan(t, append([]string{"train", "--dataset", folder, "--out", runDir, "--steps", "1", "--conditional"}, tinyNet...)...)
	if want := "classes: ant 8, bee 8, cat 8\n"; !strings.Contains(res.stderr, want) {
		t.Errorf("the header does not list the classes %q:\n%s", want, res.stderr)
	}
	if got, plain := decodePNG(t, filepath.Join(runDir, "real_samples.png")).Bounds().Size(), gridSize(24, 8, 28); got.Y != plain.Y || got.X <= plain.X {
		t.Errorf("real_samples.png is %v, want %d high (3 rows) and wider than %d (the names)", got, plain.Y, plain.X)
	}

	out := filepath.Join(t.TempDir(), "made")
	res = mustGan(t, "generate", "--checkpoint", runDir, "--per-class", "2", "--out-dir", out)
	if !strings.Contains(res.stdout, "wrote 6 images to "+out+" in 3 class folders") {
		t.Errorf("generate said %q", res.stdout)
	}
	var files []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(out, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	// The grid's rows are the classes: images 0 and 1 are ants, 2 and 3 bees, 4 and 5 cats.
	want := []string{"ant/image000000.png", "ant/image000001.png", "bee/image000002.png", "bee/image000003.png", "cat/image000004.png", "cat/image000005.png"}
	if !slices.Equal(files, want) {
		t.Errorf("--out-dir wrote %q, want %q", files, want)
	}
	back, err := data.Open(data.Spec{Folder: out})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.ClassNames, classes) || !slices.Equal(back.Labels, []uint8{0, 0, 1, 1, 2, 2}) {
		t.Errorf("read back: classes %v, labels %v; want %v, 0 0 1 1 2 2", back.ClassNames, back.Labels, classes)
	}

	expectOneLineError(t, gan(t, "generate", "--checkpoint", runDir, "--per-class", "2", "--out-dir", out), filepath.Join(out, "ant", "image000000.png"), "--force")
	blend := filepath.Join(t.TempDir(), "blend")
	expectOneLineError(t, gan(t, "generate", "--checkpoint", runDir, "--interpolate", "3", "--classes", "ant,cat", "--out-dir", blend), "belongs to neither")
	if _, err := os.Stat(blend); !os.IsNotExist(err) {
		t.Errorf("a refused --out-dir was made: %v", err)
	}
}
