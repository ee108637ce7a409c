package data

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOpenFolderWebPAndBMP reads a folder of a lossless WebP and a BMP of the same picture
// (testdata/README.md says how they were made) and checks every pixel.
func TestOpenFolderWebPAndBMP(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"gradient.webp", "gradient.bmp"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ds, err := Open(Spec{Folder: dir, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c, h, w := ds.Shape(); ds.Len() != 2 || c != 3 || h != 4 || w != 4 {
		t.Fatalf("%d images of (%d, %d, %d), want 2 of (3, 4, 4)", ds.Len(), c, h, w)
	}
	for i := range 2 {
		px := ds.Image(i)
		for y := range 4 {
			for x := range 4 {
				want := [3]uint8{uint8(60 * x), uint8(80 * y), 200}
				for c := range 3 {
					if got := px[c*16+y*4+x]; got != want[c] {
						t.Fatalf("image %d, pixel (%d, %d), channel %d: %d, want %d", i, x, y, c, got, want[c])
					}
				}
			}
		}
	}
}
