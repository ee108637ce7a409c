//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"unsafe"
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
