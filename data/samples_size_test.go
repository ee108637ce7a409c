package data

import (
	"image"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadSamplesTooLargeGivesNoImageSizeAdvice: a folder of samples too large to load is
// refused with advice about the samples, not about an image size, which is a flag of training
// and packing that the scoring command does not have.
func TestReadSamplesTooLargeGivesNoImageSizeAdvice(t *testing.T) {
	dir := t.TempDir()
	side := maxImageSize + 4
	writeImage(t, filepath.Join(dir, "huge.png"), image.NewGray(image.Rect(0, 0, side, side)))
	_, err := ReadSamples(dir)
	if err == nil {
		t.Fatalf("a folder of %d×%d samples was read", side, side)
	}
	if msg := err.Error(); strings.Contains(msg, "image size") || strings.Contains(msg, "image-size") || !strings.Contains(msg, "score fewer or smaller images") {
		t.Errorf("want advice about the samples, got: %v", err)
	}
	// Training from such a folder still advises an image size.
	if _, err := Open(Spec{Folder: dir}); err == nil || !strings.Contains(err.Error(), "give an image size of at most") {
		t.Errorf("training folder: want image-size advice, got %v", err)
	}
}
