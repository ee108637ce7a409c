package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFolderReportCountsABrokenPNGAsUnreadable: a PNG whose header is whole but whose pixels
// are cut off is reported as unreadable, not also as resized in the folder's report line.
func TestFolderReportCountsABrokenPNGAsUnreadable(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.png", "b.png", "c.png"} {
		writeImage(t, filepath.Join(dir, name), solid(8, 8, color.NRGBA{200, 10, 10, 255}))
	}
	big := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for i := range big.Pix {
		big.Pix[i] = uint8(i * 37)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.png"), buf.Bytes()[:buf.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	ds, err := Open(Spec{Folder: dir, Warn: &report})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || ds.Skipped != 1 {
		t.Fatalf("%d images read and %d skipped, want 3 and 1", ds.Len(), ds.Skipped)
	}
	if !strings.Contains(report.String(), "1 of 4 files") || strings.Contains(report.String(), "resized") {
		t.Errorf("want the broken PNG counted as unreadable and nothing resized, got:\n%s", report.String())
	}
}
