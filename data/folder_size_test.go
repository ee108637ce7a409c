package data

import (
	"bytes"
	"image"
	"image/color"
	"path/filepath"
	"runtime"
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
	want := dir + ": 41 images at 1×1 (their most common shorter side, 40 of 41 images); 1 of 41 resized on their shorter side (most were 1×1) and centre-cropped; 1 grey image made RGB\n"
	if warn.String() != want {
		t.Errorf("report %q, want %q", warn.String(), want)
	}
	// Decoding the large image takes 4096×4096×4 bytes per copy; the dataset at the first
	// file's size would take 41×3×4096×4096, 2 GB.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<30 {
		t.Errorf("reading the folder allocated %d bytes", grew)
	}
}

// A folder of photos that are not square, between two trainable sizes, is made the largest
// trainable size not above their shorter side, and says so in one sentence whose counts agree.
func TestOpenFolderOfPhotosTakesATrainableSize(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.jpg", "b.jpg", "c.png"} {
		writeImage(t, filepath.Join(dir, name), solid(128, 96, color.NRGBA{10, 200, 30, 255}))
	}
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: dir, Sizes: []int{28, 32, 64, 128, 256}, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if _, h, w := ds.Shape(); h != 64 || w != 64 {
		t.Errorf("images of %d×%d, want 64×64", h, w)
	}
	want := dir + ": 3 images at 64×64 (the largest trainable size not above their most common shorter side, 96); 3 of 3 resized on their shorter side (most were 128×96) and centre-cropped\n"
	if warn.String() != want {
		t.Errorf("report %q, want %q", warn.String(), want)
	}
	warn.Reset()
	if _, err := Open(Spec{Folder: dir, ImageSize: 64, SizeFrom: "dcgan64", Warn: &warn}); err != nil {
		t.Fatal(err)
	}
	if want := dir + ": 3 images at 64×64 (dcgan64); 3 of 3 resized on their shorter side (most were 128×96) and centre-cropped\n"; warn.String() != want {
		t.Errorf("report %q, want %q", warn.String(), want)
	}
}

// A photo much larger than the training size is shrunk without aliasing: a one-pixel
// checkerboard, the worst case, averages to an even grey instead of a moiré of black and white.
func TestShrinkingDoesNotAlias(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 256, 256))
	for y := 0; y < 256; y++ {
		for x := 0; x < 256; x++ {
			if (x+y)%2 == 0 {
				img.Pix[y*256+x] = 255
			}
		}
	}
	small := fill(img, 24, 24)
	for i := 0; i < len(small.Pix); i += 4 {
		if v := int(small.Pix[i]); v < 120 || v > 135 {
			t.Fatalf("pixel %d of the shrunk checkerboard is %d, want about 127", i/4, v)
		}
	}
}
