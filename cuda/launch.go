//go:build cuda

package cuda

// #include <cuda.h>
// #include <stdlib.h>
import "C"

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"
)

// threads is the block size of every launch; the reductions need a multiple of 32.
const threads = 256

// launch queues kernel k on the stream with the given number of blocks, its nargs arguments
// in b.argv, where the typed launchers of kernels_gen.go put them: each is an 8-byte slot
// holding a device pointer, an int32 or a float32 in its low bytes (see the arg helpers). A
// grid of no blocks is no work: the launchers size grids with grid, which gives 0 for no
// elements. It runs on the worker.
//
// The call is gogan's own cuLaunchKernel, not cu's Function.Launch, which allocates and frees
// two C arrays per launch: here the arguments are copied into C memory allocated once, which
// the driver reads during the call (cgo forbids handing it the Go array, whose slots a
// pointer array would have to point into).
func (b *Backend) launch(k kernel, blocks, nargs int) error {
	if blocks == 0 {
		return nil
	}
	a := b.launchArgs
	copy(a.argv[:nargs], b.argv[:nargs])
	r := C.cuLaunchKernel(a.fns[k], C.uint(blocks), 1, 1, threads, 1, 1, 0, b.cstream(), a.argp, nil)
	err := resultError(r)
	if err == nil && b.opts.SyncEveryLaunch && !b.capturing {
		err = b.stream.Synchronize()
	}
	if err != nil {
		return fmt.Errorf("kernel %s: %w", kernelNames[k].name, driverError(err))
	}
	return nil
}

// launchArgs are the C arrays of every launch: argv holds the argument values, argp[i] points
// at argv[i], and fns are the kernels' driver handles.
type launchArgs struct {
	mem  unsafe.Pointer
	argv []uint64
	argp *unsafe.Pointer
	fns  [numKernels]C.CUfunction
}

// allocLaunchArgs makes the launch arrays once the kernels are loaded; it runs on the worker.
func (b *Backend) allocLaunchArgs() error {
	// cu.Function holds the driver's handle as its only field; its own accessor is unexported.
	if unsafe.Sizeof(cu.Function{}) != unsafe.Sizeof(C.CUfunction(nil)) {
		return errors.New("cuda: gorgonia.org/cu's Function is no longer a bare CUfunction")
	}
	mem := C.calloc(2*maxArgs, 8)
	if mem == nil {
		return errors.New("cuda: no memory for the launch arguments")
	}
	a := &launchArgs{mem: mem, argv: unsafe.Slice((*uint64)(mem), maxArgs)}
	ptrs := unsafe.Slice((*unsafe.Pointer)(unsafe.Add(mem, 8*maxArgs)), maxArgs)
	for i := range ptrs {
		ptrs[i] = unsafe.Pointer(&a.argv[i])
	}
	a.argp = &ptrs[0]
	for k := range b.fns {
		a.fns[k] = *(*C.CUfunction)(unsafe.Pointer(&b.fns[k]))
	}
	b.launchArgs = a
	return nil
}

// freeLaunchArgs frees the launch arrays; it runs on the worker.
func (b *Backend) freeLaunchArgs() {
	if b.launchArgs != nil {
		C.free(b.launchArgs.mem)
		b.launchArgs = nil
	}
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
