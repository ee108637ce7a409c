//go:build cuda

package cuda

import "testing"

// statsHolder is shaped like the trainer's GAN: a host array next to pointers, in one object.
type statsHolder struct {
	name  *string
	stats [6]float32
	bytes [6]uint8
	next  *statsHolder
}

// TestHostCopiesIntoObjectsWithPointers uploads from and downloads into arrays that are
// fields of a struct holding Go pointers, as the trainer does with its loss statistics: cgo
// refuses such a pointer when it is passed as unsafe.Pointer, which crashed the process.
func TestHostCopiesIntoObjectsWithPointers(t *testing.T) {
	b := gpu(t)
	name := "holder"
	h := &statsHolder{name: &name}
	h.next = h
	x := b.New(6)
	defer b.Free(x)
	for i := range h.stats {
		h.stats[i] = float32(i) - 2.5
	}
	b.Upload(x, h.stats[:])
	var got statsHolder
	got.name = &name
	b.Download(got.stats[:], x)
	if err := b.DownloadBytes(got.bytes[:], x, 10, 100); err != nil {
		t.Fatal(err)
	}
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	for i := range h.stats {
		if got.stats[i] != h.stats[i] {
			t.Errorf("stats[%d] = %g after the round trip, want %g", i, got.stats[i], h.stats[i])
		}
		if want := uint8(10*h.stats[i] + 100); got.bytes[i] != want {
			t.Errorf("bytes[%d] = %d, want %d", i, got.bytes[i], want)
		}
	}
	b.UploadBytes(x, got.bytes[:], 1, 0)
	b.Download(got.stats[:], x)
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	if got.stats[5] != float32(got.bytes[5]) {
		t.Errorf("after UploadBytes stats[5] = %g, want %d", got.stats[5], got.bytes[5])
	}
}
