package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// solid is a w×h image of one colour.
func solid(w, h int, c color.Color) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	return img
}

func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	var b bytes.Buffer
	var err error
	switch filepath.Ext(path) {
	case ".png":
		err = png.Encode(&b, img)
	case ".jpg":
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 100})
	case ".gif":
		// Two frames: only the first, white, must be read.
		pal := color.Palette{color.Gray{0}, color.Gray{255}}
		f0, f1 := image.NewPaletted(img.Bounds(), pal), image.NewPaletted(img.Bounds(), pal)
		for i := range f0.Pix {
			f0.Pix[i] = 1
		}
		err = gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{f0, f1}, Delay: []int{0, 0}})
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mean is the average byte of an image's planes.
func mean(px []uint8) float64 {
	s := 0
	for _, v := range px {
		s += int(v)
	}
	return float64(s) / float64(len(px))
}

func TestOpenFolder(t *testing.T) {
	dir := t.TempDir()
	gray := color.NRGBA{100, 100, 100, 255}
	writeImage(t, filepath.Join(dir, "a.png"), solid(8, 8, gray))
	writeImage(t, filepath.Join(dir, "b", "c.jpg"), solid(16, 16, gray))
	writeImage(t, filepath.Join(dir, "b", "d.gif"), solid(8, 8, gray))
	writeImage(t, filepath.Join(dir, ".hidden", "e.png"), solid(8, 8, color.NRGBA{255, 0, 0, 255}))
	os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("junk"), 0o644)

	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: dir, ImageSize: 4, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if want := dir + ": 3 images at 4×4 (the size asked for); 3 of other sizes resized on their shorter side and centre-cropped\n"; warn.String() != want {
		t.Errorf("report %q, want %q (and no warning for hidden files)", warn.String(), want)
	}
	if c, h, w := ds.Shape(); ds.Len() != 3 || c != 1 || h != 4 || w != 4 {
		t.Fatalf("%d images of (%d, %d, %d), want 3 gray 4×4 (the hidden folder left out)", ds.Len(), c, h, w)
	}
	if ds.Labels != nil || ds.Classes != 0 {
		t.Error("a folder has labels")
	}
	// Walk order: a.png, b/c.jpg, b/d.gif (first frame, white).
	for i, want := range []float64{100, 100, 255} {
		if got := mean(ds.Image(i)); got < want-2 || got > want+2 {
			t.Errorf("image %d: mean %.1f, want %.0f", i, got, want)
		}
	}
	rgb, err := Open(Spec{Folder: dir, ImageSize: 4, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c, _, _ := rgb.Shape(); c != 3 || mean(rgb.Image(0)) < 98 || mean(rgb.Image(0)) > 102 {
		t.Errorf("asked for RGB: %d channels, mean %.1f", c, mean(rgb.Image(0)))
	}
}

// A wide image is scaled on its shorter side and cropped to its centre.
func TestOpenFolderCropsCentre(t *testing.T) {
	dir := t.TempDir()
	img := solid(40, 10, color.NRGBA{0, 0, 255, 255}) // blue edges...
	for y := 0; y < 10; y++ {
		for x := 10; x < 30; x++ {
			img.Set(x, y, color.NRGBA{255, 0, 0, 255}) // ...around a red middle half
		}
	}
	writeImage(t, filepath.Join(dir, "wide.png"), img)
	ds, err := Open(Spec{Folder: dir})
	if err != nil {
		t.Fatal(err)
	}
	c, h, w := ds.Shape()
	if c != 3 || h != 10 || w != 10 {
		t.Fatalf("shape (%d, %d, %d), want (3, 10, 10): native size is the shorter side", c, h, w)
	}
	px := ds.Image(0)
	if mean(px[:100]) != 255 || mean(px[200:]) != 0 {
		t.Errorf("centre crop has red %.0f and blue %.0f, want 255 and 0", mean(px[:100]), mean(px[200:]))
	}
}

func TestOpenFolderBadFiles(t *testing.T) {
	good := color.NRGBA{200, 200, 200, 255}
	mixed := t.TempDir()
	writeImage(t, filepath.Join(mixed, "ok.png"), solid(4, 4, good))
	os.WriteFile(filepath.Join(mixed, "notes.txt"), []byte("not an image"), 0o644)
	os.WriteFile(filepath.Join(mixed, "fake.png"), []byte("\x89PNG\r\n\x1a\nbroken"), 0o644)
	os.Symlink(filepath.Join(mixed, "gone.png"), filepath.Join(mixed, "link.png"))
	// A PNG header claiming 100000×100000 pixels, which must not be decoded.
	var huge bytes.Buffer
	png.Encode(&huge, solid(1, 1, good))
	forged := huge.Bytes()
	binary.BigEndian.PutUint32(forged[16:], 100000)
	binary.BigEndian.PutUint32(forged[20:], 100000)
	binary.BigEndian.PutUint32(forged[29:], crc32.ChecksumIEEE(forged[12:29])) // the IHDR chunk's CRC
	os.WriteFile(filepath.Join(mixed, "huge.png"), forged, 0o644)

	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: mixed, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1 || ds.Skipped != 4 {
		t.Errorf("%d images, %d skipped; want 1 and 4", ds.Len(), ds.Skipped)
	}
	w := warn.String()
	for _, want := range []string{"4 of 5 files", "fake.png (image data is cut short)", "huge.png (100000×100000 pixels", "link.png (no such file", "and 1 more"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q lacks %q", w, want)
		}
	}
	if strings.Count(w, "\n") != 1 {
		t.Errorf("warning is not one line: %q", w)
	}

	onlyText := t.TempDir()
	os.WriteFile(filepath.Join(onlyText, "readme.md"), []byte("# hi"), 0o644)
	notDir := filepath.Join(mixed, "notes.txt")
	tests := []struct {
		name, folder string
		want         []string
	}{
		{"empty", t.TempDir(), []string{"has no files"}},
		{"no image", onlyText, []string{"no readable image in " + onlyText, "readme.md (not a PNG, JPEG, GIF, WebP or BMP image)"}},
		{"missing", filepath.Join(mixed, "absent"), []string{"absent", "no such file"}},
		{"a file", notDir, []string{notDir, "not a directory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(Spec{Folder: tc.folder})
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestOpenFolderUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which reads files whatever their permissions")
	}
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), solid(4, 4, color.White))
	writeImage(t, filepath.Join(dir, "b.png"), solid(4, 4, color.White))
	os.Chmod(filepath.Join(dir, "b.png"), 0)
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: dir, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1 || !strings.Contains(warn.String(), "b.png (permission denied)") {
		t.Errorf("%d images, warning %q; want 1 and b.png named", ds.Len(), warn.String())
	}
}
