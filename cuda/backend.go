//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"os"
	"time"
	"unsafe"

	"gorgonia.org/cu"

	"gogan/cuda/internal/arena"
	"gogan/cuda/internal/cublas"
	"gogan/cuda/internal/guard"
	"gogan/nn"
)

// Backend is the CUDA implementation of nn.Backend. Like every backend it is driven from one
// goroutine at a time; the CUDA calls themselves run on the backend's own locked thread.
type Backend struct {
	opts Options
	w    *worker
	desc string // "GPU 0: name", for messages

	// Only the worker goroutine touches these.
	dev       cu.Device
	ctx       cu.CUContext
	stream    cu.Stream
	fns       [numKernels]cu.Function
	modules   []cu.Module
	lib       *cublas.Library
	blas      *cublas.Handle
	blasWS    cu.DevicePtr
	maxBlocks int
	err       error // the first error of queued work; later work is skipped
	capturing bool
	capErr    error           // the first error while capturing, which fails the capture only
	argv      [maxArgs]uint64 // the arguments of the next launch, set by the typed launchers
	argp      [maxArgs]unsafe.Pointer

	// Only the calling goroutine touches these.
	mem     *arena.Arena
	scratch [numScratch]scratchBuf
	retired []uintptr // scratch blocks outgrown while graphs that use them were alive
	graphs  int       // graphs not yet closed
	adam    map[uintptr]*adamSlot
	capture *captureState
	closed  bool
}

var _ nn.Backend = (*Backend)(nil)

// New starts a CUDA backend on the GPU opts.Device: it makes the context and its thread,
// loads the kernels and cuBLAS, and fails with a message that says what to do when the
// driver is too old, the GPU is missing or cuBLAS cannot be found.
func New(opts Options) (nn.Backend, error) {
	if os.Getenv("GOGAN_CUDA_SYNC") == "1" {
		opts.SyncEveryLaunch = true
	}
	if guard.Problem != "" {
		return nil, errors.New("cuda: " + guard.Problem)
	}
	b := &Backend{opts: opts, adam: map[uintptr]*adamSlot{}}
	w, err := startWorker(b.start)
	if err != nil {
		return nil, err
	}
	b.w = w
	b.mem = newArena(b.grow)
	return b, nil
}

// Name implements nn.Backend.
func (b *Backend) Name() string { return "cuda" }

// Sync implements nn.Backend.
func (b *Backend) Sync() error {
	if b.capture != nil {
		return fmt.Errorf("cuda: Sync while capturing a graph: %w", errCaptureSync)
	}
	var err error
	b.w.call(func() {
		if b.err == nil {
			if e := b.stream.Synchronize(); e != nil {
				b.fail("Sync", driverError(e))
			}
		}
		err = b.err
	})
	return err
}

// Time queues fn's work between two events, waits for it and returns the GPU time it took.
func (b *Backend) Time(fn func()) (time.Duration, error) {
	var start, end cu.Event
	var err error
	b.w.call(func() {
		if start, err = cu.MakeEvent(cu.DefaultEvent); err == nil {
			if end, err = cu.MakeEvent(cu.DefaultEvent); err == nil {
				err = start.Record(b.stream)
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("cuda: timing events: %w", driverError(err))
	}
	fn()
	var ms float64
	b.w.call(func() {
		defer cu.DestroyEvent(&start)
		defer cu.DestroyEvent(&end)
		if err = end.Record(b.stream); err == nil {
			if err = end.Synchronize(); err == nil {
				ms, err = start.Elapsed(end)
			}
		}
	})
	if err != nil {
		return 0, fmt.Errorf("cuda: timing events: %w", driverError(err))
	}
	return time.Duration(ms * float64(time.Millisecond)), b.Sync()
}

func checkLen(op string, t *nn.Tensor, n int) {
	if t.Len() != n {
		panic(fmt.Sprintf("cuda: %s of %d elements into a tensor of %v", op, n, t.Shape))
	}
}

// checkShape panics when t is not of the wanted shape: shapes are fixed when a network is
// built, so a mismatch here is a broken invariant.
func checkShape(op, name string, t *nn.Tensor, want ...int) {
	if !t.Shape.Equal(want) {
		panic(fmt.Sprintf("cuda: %s: %s is %v, want %v", op, name, t.Shape, nn.Shape(want)))
	}
}

func dev(t *nn.Tensor) uintptr {
	if t == nil {
		return 0
	}
	return t.Device
}

// checkGrads checks the shapes of the parameter gradients that are wanted.
func checkGrads(op string, dw, w, db *nn.Tensor, channels int) {
	if dw != nil {
		checkShape(op, "dw", dw, w.Shape...)
	}
	if db != nil {
		checkShape(op, "db", db, channels)
	}
}

func checkRank(op, name string, t *nn.Tensor, rank int) {
	if len(t.Shape) != rank {
		panic(fmt.Sprintf("cuda: %s: %s is %v, want %d dimensions", op, name, t.Shape, rank))
	}
}
