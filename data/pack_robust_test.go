package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// openLoadedPack writes a pack of 512 3×8×8 images, opens it and starts a loader of batches
// of 16 on it, taking one batch.
func openLoadedPack(t *testing.T) (path string, l *Loader) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "p.pack")
	writeSyntheticPack(t, path, 512, 3, 8)
	ds, err := Open(Spec{Folder: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ds.Close() })
	l, err = NewLoader(ds, 16, 1, true, Mirror())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if _, _, ok := l.Next(); !ok {
		t.Fatalf("first batch: %v", l.Err())
	}
	return path, l
}

// drain takes batches until Next fails, at most two epochs' worth, and returns its error.
func drain(t *testing.T, l *Loader) error {
	t.Helper()
	for i := 0; i < 2*l.BatchesPerEpoch(); i++ {
		if _, _, ok := l.Next(); !ok {
			if l.Err() == nil {
				t.Fatal("Next stopped without an error on an open loader")
			}
			if _, _, again := l.Next(); again {
				t.Error("Next went on after a failed batch")
			}
			return l.Err()
		}
	}
	return nil
}

// A pack cut short while a loader reads it ends the loader with an error that says so, not
// with a panic, a hang or batches of zeros.
func TestLoaderReportsPackCutShort(t *testing.T) {
	path, l := openLoadedPack(t)
	if err := os.Truncate(path, packPixels+100*3*8*8); err != nil {
		t.Fatal(err)
	}
	err := drain(t, l)
	if err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Fatalf("after truncating the pack: %v; want an error saying it was cut short", err)
	}
	if strings.Count(err.Error(), "\n") > 0 {
		t.Errorf("the error is not one line: %q", err)
	}
}

// A pack rewritten in place, at the same length, while a loader reads it, ends the loader
// with an error: its images are no longer those that were checked.
func TestLoaderReportsPackRewritten(t *testing.T) {
	path, l := openLoadedPack(t)
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{7}, 3*8*8), packPixels); err != nil {
		t.Fatal(err)
	}
	f.Close()
	later := time.Now().Add(time.Minute) // past any file-system timestamp granularity
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if err := drain(t, l); err == nil || !strings.Contains(err.Error(), "rewritten") {
		t.Fatalf("after rewriting the pack: %v; want an error saying it was rewritten", err)
	}
}

// The walk that tells whether a pack's folder has changed stops one file past the count the
// pack records, so that a pack naming / or a huge folder costs no more than its own making.
func TestListFilesWithinStopsPastLimit(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 50; i++ {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d", i)), nil, 0o644)
	}
	paths, _, err := listFilesWithin(dir, 10, time.Time{})
	if !errors.Is(err, errWalkTooMany) || len(paths) != 11 {
		t.Fatalf("walk with limit 10 over 50 files: %d files, %v; want 11 and errWalkTooMany", len(paths), err)
	}
	if paths, _, err := listFilesWithin(dir, 50, time.Time{}); err != nil || len(paths) != 50 {
		t.Fatalf("walk with limit 50 over 50 files: %d files, %v; want all 50", len(paths), err)
	}
}

// A pack that names a folder with more files than it was made from warns that the folder
// has changed; one whose walk runs out of time says it could not tell. Both open.
func TestPackOpenBoundsSourceCheck(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.Mkdir(src, 0o755)
	for i := 0; i < 40; i++ {
		os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d", i)), nil, 0o644)
	}
	path := filepath.Join(dir, "p.pack")
	writeSyntheticPackOf(t, path, src, 4, 1, 2)
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: path, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	ds.Close()
	if !strings.Contains(warn.String(), "has changed since") {
		t.Errorf("a pack of 4 images naming a folder of 40 files warned %q", warn.String())
	}
	old := sourceCheckTime
	sourceCheckTime = -time.Second // the deadline has passed before the walk starts
	defer func() { sourceCheckTime = old }()
	warn.Reset()
	ds, err = Open(Spec{Folder: path, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	ds.Close()
	if !strings.Contains(warn.String(), "could not tell within") {
		t.Errorf("a walk out of time warned %q", warn.String())
	}
}

// A folder whose decoded images would not fit in the memory this process may use is refused
// before it is decoded, with the gan data pack command that makes it trainable.
func TestOpenFolderTooLargeSaysPack(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 4; i++ {
		writeImage(t, filepath.Join(dir, fmt.Sprintf("%d.png", i)), image.NewRGBA(image.Rect(0, 0, 8, 8)))
	}
	runtime.GC() // so that the limit's own collection frees little more
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	old := debug.SetMemoryLimit(int64(m.HeapInuse) + 1<<20) // 1 MB to spare; the folder needs 200 MB
	defer debug.SetMemoryLimit(old)
	_, err := Open(Spec{Folder: dir, ImageSize: 4096, Channels: 3, Warn: &bytes.Buffer{}})
	debug.SetMemoryLimit(old)
	if err == nil || !strings.Contains(err.Error(), "gan data pack --image-size 4096 "+dir) {
		t.Fatalf("opening a folder larger than the memory limit: %v; want a refusal naming gan data pack", err)
	}
}
