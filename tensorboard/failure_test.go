package tensorboard

import (
	"os"
	"strings"
	"testing"
)

// A full disk makes writes fail: the error comes back from Flush and every later call, the
// writer stays quiet instead of panicking, and Close reports it too.
func TestWriteFailureIsReturned(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full to simulate a full disk: %v", err)
	}
	w, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	w.file.Close()
	w.file = full
	if err := w.Scalar(TagLossD, 1, 1); err != nil {
		t.Fatalf("Scalar before any write failed: %v", err)
	}
	err = w.Flush()
	if err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("Flush to a full disk: %v, want the write's error", err)
	}
	if err := w.Scalar(TagLossD, 2, 1); err == nil {
		t.Error("Scalar after a failed write: accepted")
	}
	if len(w.pending) != 0 {
		t.Errorf("%d bytes held after the failure; they should be dropped", len(w.pending))
	}
	if err := w.Close(); err == nil {
		t.Error("Close after a failed write: no error")
	}
}

// A caller that never flushes still has its memory bounded: past bufferLimit the pending
// events go to the file.
func TestPendingEventsAreBounded(t *testing.T) {
	w, err := Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for step := int64(0); step < 60_000; step++ {
		if err := w.Scalar(TagLossD, step, 1); err != nil {
			t.Fatal(err)
		}
		if len(w.pending) > bufferLimit {
			t.Fatalf("%d bytes pending at step %d, limit %d", len(w.pending), step, bufferLimit)
		}
	}
	info, err := os.Stat(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() < bufferLimit {
		t.Errorf("file holds %d bytes after 60000 unflushed scalars", info.Size())
	}
}
