package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestOutInsideImageFolderRefused trains on an image folder with --out inside it: refused in
// one line before anything is written there, where the run's grids were once left for a
// resume to train on.
func TestOutInsideImageFolderRefused(t *testing.T) {
	photos := writePhotos(t, 14, 0, 64, 64)
	out := filepath.Join(photos, "run")
	res := gan(t, append([]string{"train", "--dataset", photos, "--out", out, "--steps", "1"}, tinyNet...)...)
	expectOneLineError(t, res, "inside the image folder")
	if _, err := os.Stat(out); err == nil {
		t.Errorf("the refused run left %s", out)
	}
}
