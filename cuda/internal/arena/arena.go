// Package arena sub-allocates device memory for the CUDA backend. It is pure bookkeeping on
// addresses, so it is tested without a GPU.
//
// Memory comes from the driver in large chunks when networks are built and is never given
// back before the backend closes; a freed block is kept by its size and handed out again for
// the next request of that size. A network that frees and reallocates its activation buffers,
// or a training step that reuses its scratch, therefore asks the driver for nothing.
package arena

import "fmt"

const (
	// Align is the alignment of every block, that of cuMemAlloc: enough for any vector load.
	Align = 256
	// ChunkSize is how much the arena asks the driver for at a time.
	ChunkSize = 64 << 20
	// dedicated is the size from which a block gets a chunk of its own, so that a large
	// request never strands the rest of a chunk.
	dedicated = ChunkSize / 4
)

// Grow asks the driver for a chunk of size bytes.
type Grow func(size int) (uintptr, error)

// Arena hands out aligned blocks of device memory. It is not safe for concurrent use.
type Arena struct {
	grow    Grow
	chunks  []uintptr
	next    uintptr // the unused rest of the newest shared chunk
	left    int
	free    map[int][]uintptr // released blocks by size
	live    map[uintptr]int   // blocks handed out, by address
	held    int               // bytes obtained from the driver
	inUse   int               // bytes in live blocks
	maxLive int
	exact   bool // every block is a chunk of its own, of the size asked for
}

// New returns an arena that obtains its chunks from grow.
func New(grow Grow) *Arena {
	return &Arena{grow: grow, free: map[int][]uintptr{}, live: map[uintptr]int{}}
}

// NewExact returns an arena that asks grow for every block on its own, of exactly the size
// requested, and hands a freed block out again only for a request of the same size. Memory
// checkers that watch the driver's allocations (the emulated GPU of make test-cuda-emu, with
// its canaries and AddressSanitizer) then see the bounds of each tensor, not of a chunk.
func NewExact(grow Grow) *Arena {
	a := New(grow)
	a.exact = true
	return a
}

// Alloc returns a block of at least size bytes, aligned to Align. Its contents are whatever
// was there before.
func (a *Arena) Alloc(size int) (uintptr, error) {
	if size < 0 {
		return 0, fmt.Errorf("arena: allocation of %d bytes", size)
	}
	size = max(size, 1)
	if !a.exact {
		size = (size + Align - 1) / Align * Align
	}
	p, err := a.take(size)
	if err != nil {
		return 0, err
	}
	a.live[p] = size
	a.inUse += size
	a.maxLive = max(a.maxLive, a.inUse)
	return p, nil
}

func (a *Arena) take(size int) (uintptr, error) {
	if l := a.free[size]; len(l) > 0 {
		p := l[len(l)-1]
		a.free[size] = l[:len(l)-1]
		return p, nil
	}
	if size >= dedicated || a.exact {
		return a.chunk(size)
	}
	if a.left < size {
		p, err := a.chunk(ChunkSize)
		if err != nil {
			return 0, err
		}
		a.next, a.left = p, ChunkSize
	}
	p := a.next
	a.next += uintptr(size)
	a.left -= size
	return p, nil
}

func (a *Arena) chunk(size int) (uintptr, error) {
	p, err := a.grow(size)
	if err != nil {
		return 0, err
	}
	if p%Align != 0 {
		return 0, fmt.Errorf("arena: the driver returned %#x, not aligned to %d bytes", p, Align)
	}
	a.chunks = append(a.chunks, p)
	a.held += size
	return p, nil
}

// Free returns a block to the arena. Freeing an address that Alloc did not return, or
// freeing twice, is a broken invariant of the caller and panics.
func (a *Arena) Free(p uintptr) {
	size, ok := a.live[p]
	if !ok {
		panic(fmt.Sprintf("arena: free of %#x, which is not a live block (a view, or freed twice)", p))
	}
	delete(a.live, p)
	a.inUse -= size
	a.free[size] = append(a.free[size], p)
}

// Chunks lists the addresses obtained from the driver, for releasing them all at the end.
func (a *Arena) Chunks() []uintptr { return append([]uintptr(nil), a.chunks...) }

// Stats reports the bytes obtained from the driver, the bytes in live blocks and the most
// that were ever live at once.
func (a *Arena) Stats() (held, inUse, peak int) { return a.held, a.inUse, a.maxLive }
