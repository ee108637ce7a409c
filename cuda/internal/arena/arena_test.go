package arena

import (
	"errors"
	"strings"
	"testing"
)

// fakeDriver hands out address ranges and counts the requests.
type fakeDriver struct {
	next  uintptr
	calls []int
	limit int
}

func (d *fakeDriver) grow(size int) (uintptr, error) {
	if d.limit > 0 && len(d.calls) == d.limit {
		return 0, errors.New("out of memory")
	}
	d.calls = append(d.calls, size)
	p := d.next
	d.next += uintptr(size) + 4096
	return p, nil
}

func TestAllocAlignsAndDoesNotOverlap(t *testing.T) {
	d := &fakeDriver{next: 1 << 20}
	a := New(d.grow)
	type block struct {
		p    uintptr
		size int
	}
	var blocks []block
	for _, size := range []int{1, 4, 255, 256, 257, 1000, 4 << 20, 1, 0} {
		p, err := a.Alloc(size)
		if err != nil {
			t.Fatal(err)
		}
		if p%Align != 0 {
			t.Errorf("Alloc(%d) = %#x, not aligned to %d", size, p, Align)
		}
		for _, b := range blocks {
			if p < b.p+uintptr(b.size) && b.p < p+uintptr(max(size, 1)) {
				t.Errorf("Alloc(%d) = %#x overlaps the block %#x of %d bytes", size, p, b.p, b.size)
			}
		}
		blocks = append(blocks, block{p, max(size, 1)})
	}
	if len(d.calls) != 1 {
		t.Errorf("small blocks took %d chunks from the driver, want 1", len(d.calls))
	}
}

func TestFreedBlocksAreReused(t *testing.T) {
	d := &fakeDriver{next: 1 << 20}
	a := New(d.grow)
	sizes := []int{1000, 3 << 20, ChunkSize}
	first := map[int]uintptr{}
	for _, s := range sizes {
		p, err := a.Alloc(s)
		if err != nil {
			t.Fatal(err)
		}
		first[s] = p
		a.Free(p)
	}
	chunks := len(d.calls)
	// A training loop that frees and reallocates the same sizes asks the driver for nothing.
	for range 100 {
		for _, s := range sizes {
			p, err := a.Alloc(s)
			if err != nil {
				t.Fatal(err)
			}
			if p != first[s] {
				t.Fatalf("Alloc(%d) = %#x after a free, want the freed %#x", s, p, first[s])
			}
			a.Free(p)
		}
	}
	if len(d.calls) != chunks {
		t.Errorf("reallocation took %d more chunks", len(d.calls)-chunks)
	}
	held, inUse, peak := a.Stats()
	if inUse != 0 || held < ChunkSize || peak < ChunkSize {
		t.Errorf("Stats = %d held, %d in use, %d peak", held, inUse, peak)
	}
}

func TestLargeBlocksGetTheirOwnChunk(t *testing.T) {
	d := &fakeDriver{next: 1 << 20}
	a := New(d.grow)
	if _, err := a.Alloc(100); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Alloc(3 * ChunkSize); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Alloc(100); err != nil {
		t.Fatal(err)
	}
	want := []int{ChunkSize, 3 * ChunkSize}
	if len(d.calls) != 2 || d.calls[0] != want[0] || d.calls[1] != want[1] {
		t.Errorf("driver requests %v, want %v", d.calls, want)
	}
	if got := len(a.Chunks()); got != 2 {
		t.Errorf("%d chunks, want 2", got)
	}
}

func TestDriverErrorsPassThrough(t *testing.T) {
	d := &fakeDriver{next: 1 << 20, limit: 1}
	a := New(d.grow)
	if _, err := a.Alloc(ChunkSize / 2); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Alloc(ChunkSize); err == nil || !strings.Contains(err.Error(), "out of memory") {
		t.Errorf("Alloc past the driver's memory = %v, want its error", err)
	}
	if _, err := a.Alloc(-1); err == nil {
		t.Error("Alloc(-1) succeeded")
	}
}

func TestFreeOfUnknownBlockPanics(t *testing.T) {
	a := New((&fakeDriver{next: 1 << 20}).grow)
	p, err := a.Alloc(64)
	if err != nil {
		t.Fatal(err)
	}
	a.Free(p)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "not a live block") {
			t.Errorf("double free: recover() = %v", r)
		}
	}()
	a.Free(p)
}
