//go:build unix

package data

import (
	"bytes"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A link to a FIFO in an image folder is left out with a warning: opening it would wait for
// a writer forever.
func TestOpenFolderSkipsFIFO(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), solid(4, 4, color.NRGBA{1, 2, 3, 255}))
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	if err := os.Symlink(fifo, filepath.Join(dir, "b.png")); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var warn bytes.Buffer
	var ds *Dataset
	go func() {
		var err error
		ds, err = Open(Spec{Folder: dir, Warn: &warn})
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		// Unblock the reader so that the test binary can end.
		if w, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("opening a folder with a link to a FIFO hangs")
	}
	if ds.Len() != 1 || !strings.Contains(warn.String(), "b.png (links to a FIFO, not a regular file)") {
		t.Errorf("%d images, warning %q; want 1 image and the link named", ds.Len(), warn.String())
	}
}
