//go:build cuda

package cuda

// #cgo LDFLAGS: -lcuda
// #include <cuda.h>
import "C"

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"gorgonia.org/cu"
)

// threads is the block size of every launch; the reductions need a multiple of 32.
const threads = 256

// launch queues kernel k on the stream with the given number of blocks, its nargs arguments
// in b.argv, where the typed launchers of kernels_gen.go put them: each is an 8-byte slot
// holding a device pointer, an int32 or a float32 in its low bytes (see the arg helpers), as
// cu's Launch copies 8 bytes per argument. A grid of no blocks is no work: the launchers
// size grids with grid, which gives 0 for no elements. It runs on the worker.
func (b *Backend) launch(k kernel, blocks, nargs int) error {
	if blocks == 0 {
		return nil
	}
	params := b.argp[:nargs]
	for i := range params {
		params[i] = unsafe.Pointer(&b.argv[i])
	}
	err := b.fns[k].Launch(blocks, 1, 1, threads, 1, 1, 0, b.stream, params)
	if err == nil && b.opts.SyncEveryLaunch && !b.capturing {
		err = b.stream.Synchronize()
	}
	if err != nil {
		return fmt.Errorf("kernel %s: %w", kernelNames[k].name, driverError(err))
	}
	return nil
}

// grid is the number of blocks for a grid-stride loop over n elements: one element per
// thread up to what fills the GPU, and none for no elements.
func (b *Backend) grid(n int) int { return min((n+threads-1)/threads, b.maxBlocks) }

func intArg(v int) uint64 { return uint64(uint32(int32(v))) }

func f32Arg(v float32) uint64 { return uint64(math.Float32bits(v)) }

// checkIndex panics when a tensor is too large for the kernels' 32-bit indices.
func checkIndex(op string, n int) {
	if n > math.MaxInt32 {
		panic(fmt.Sprintf("cuda: %s: %d elements, more than the kernels index (2³¹−1)", op, n))
	}
}

// enqueue queues fn on the worker, which runs it unless queued work has already failed, and
// keeps fn's error as the first. With SyncEveryLaunch the caller waits, so that the op that
// failed is the one on the caller's stack.
func (b *Backend) enqueue(op string, fn func() error) {
	run := func() {
		if b.err != nil || b.capErr != nil {
			return
		}
		if err := fn(); err != nil {
			b.fail(op, err)
		}
	}
	if b.opts.SyncEveryLaunch {
		b.w.call(run)
		return
	}
	b.w.async(run)
}

// fail keeps the first error, as the capture's while one is being recorded; it runs on the
// worker.
func (b *Backend) fail(op string, err error) {
	err = fmt.Errorf("cuda: %s: %w", op, err)
	switch {
	case b.capturing && b.capErr == nil:
		b.capErr = err
	case !b.capturing && b.err == nil:
		b.err = err
	}
}

// failLater records an error found on the caller's side, in queue order.
func (b *Backend) failLater(op string, err error) {
	b.w.async(func() { b.fail(op, err) })
}

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
// BatchNorm statistics and the byte conversions one more.
const numScratch = 4

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

// driverError adds the driver's own name and description to an error from cu, whose
// messages are bare names such as "OutOfMemory".
func driverError(err error) error {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Int || v.Type().PkgPath() != "gorgonia.org/cu" {
		return err
	}
	return &cuError{err: err, text: describe(C.CUresult(v.Int()))}
}

// resultError is the error of a driver call made here rather than through cu.
func resultError(r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return &cuError{err: fmt.Errorf("CUresult %d", int(r)), text: describe(r)}
}

// describe is the driver's name and description of a result.
func describe(r C.CUresult) string {
	var name, text *C.char
	if C.cuGetErrorName(r, &name) != C.CUDA_SUCCESS || C.cuGetErrorString(r, &text) != C.CUDA_SUCCESS {
		return fmt.Sprintf("CUDA error %d", int(r))
	}
	return C.GoString(name) + " (" + C.GoString(text) + ")"
}

// cuError is an error of cu with the driver's description; errors.Is still finds cu's value.
type cuError struct {
	err  error
	text string
}

func (e *cuError) Error() string { return e.text }
func (e *cuError) Unwrap() error { return e.err }
