//go:build cuda

package cuda

import (
	"errors"
	"fmt"

	"gorgonia.org/cu"
)

// grow asks the driver for a chunk of device memory for the arena.
func (b *Backend) grow(size int) (uintptr, error) {
	if b.capture != nil {
		return 0, errCaptureAlloc
	}
	var p cu.DevicePtr
	var err error
	b.w.call(func() { p, err = cu.MemAlloc(int64(size)) })
	if err == nil {
		return uintptr(p), nil
	}
	if errors.Is(err, cu.OutOfMemory) {
		held, _, _ := b.mem.Stats()
		var free, total int64
		b.w.call(func() { free, total, _ = cu.MemInfo() })
		return 0, fmt.Errorf("%s is out of memory: %d MiB more were wanted, gogan holds %d MiB and %d of %d MiB are free; try a smaller --batch-size",
			b.desc, size>>20, held>>20, free>>20, total>>20)
	}
	return 0, fmt.Errorf("%s: allocate %d MiB: %w", b.desc, size>>20, driverError(err))
}

// alloc takes n float32s from the arena, recording the error for Sync when there is none to
// be had.
func (b *Backend) alloc(op string, n int) uintptr {
	p, err := b.mem.Alloc(4 * n)
	if err != nil {
		b.failLater(op, err)
		return 0
	}
	return p
}

// scratchBuf is a device work buffer that grows to the largest request and stays.
type scratchBuf struct {
	p uintptr
	n int // float32s
}

// numScratch is the number of scratch buffers: the convolutions use three at once, the
// BatchNorm statistics and the byte conversions one more, and the per-channel reductions'
// partial sums (of BatchNorm and of the bias gradients inside a convolution's) a fifth.
const numScratch = 5

// work returns scratch buffer i with room for n float32s; its contents are undefined. It
// reallocates only when a larger layer needs more, which happens in the first step. A block
// that a live graph may still use is kept until the last graph closes.
func (b *Backend) work(i, n int) uintptr {
	s := &b.scratch[i]
	if n <= s.n && s.p != 0 {
		return s.p
	}
	if b.capture != nil {
		b.failLater("scratch", errCaptureAlloc)
		return s.p
	}
	switch {
	case s.p == 0:
	case b.graphs > 0:
		b.retired = append(b.retired, s.p)
	default:
		b.mem.Free(s.p)
	}
	s.p, s.n = b.alloc("scratch", n), n
	if s.p == 0 {
		s.n = 0
	}
	return s.p
}
