package data

import (
	"bytes"
	"image/color"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A folder whose first file is a large image among many tiny ones is read at the tiny ones'
// size: the first file must not decide how much memory every image gets.
func TestOpenFolderTakesTheCommonSize(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a-first.png"), solid(4096, 4096, color.NRGBA{0, 0, 0, 255}))
	for i := 0; i < 40; i++ {
		writeImage(t, filepath.Join(dir, "b", string(rune('a'+i/26))+string(rune('a'+i%26))+".png"), solid(1, 1, color.NRGBA{200, 0, 0, 255}))
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: dir, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if c, h, w := ds.Shape(); ds.Len() != 41 || c != 3 || h != 1 || w != 1 {
		t.Errorf("%d images of (%d, %d, %d), want 41 RGB 1×1", ds.Len(), c, h, w)
	}
	want := dir + ": 41 images at 1×1 (the most common size, 40 of 41); 1 of other sizes resized on their shorter side and centre-cropped; 1 grey image made RGB\n"
	if warn.String() != want {
		t.Errorf("report %q, want %q", warn.String(), want)
	}
	// Decoding the large image takes 4096×4096×4 bytes per copy; the dataset at the first
	// file's size would take 41×3×4096×4096, 2 GB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<30 {
		t.Errorf("reading the folder allocated %d bytes", grew)
	}
}

// A folder of photos at their own, large, size says which flags train on them.
func TestOpenFolderOfPhotosSuggestsArch(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.jpg", "b.jpg", "c.png"} {
		writeImage(t, filepath.Join(dir, name), solid(96, 128, color.NRGBA{10, 200, 30, 255}))
	}
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: dir, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if _, h, _ := ds.Shape(); h != 96 {
		t.Errorf("images of side %d, want 96", h)
	}
	for _, want := range []string{"3 images at 96×96", "3 of other sizes resized", "--arch dcgan64 or --image-size 64"} {
		if !strings.Contains(warn.String(), want) {
			t.Errorf("report %q does not say %q", warn.String(), want)
		}
	}
	warn.Reset()
	if _, err := Open(Spec{Folder: dir, ImageSize: 64, SizeFrom: "dcgan64", Warn: &warn}); err != nil {
		t.Fatal(err)
	}
	if want := dir + ": 3 images at 64×64 (dcgan64); 3 of other sizes resized on their shorter side and centre-cropped\n"; warn.String() != want {
		t.Errorf("report %q, want %q", warn.String(), want)
	}
}
