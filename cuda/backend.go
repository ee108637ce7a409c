//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"os"
	"time"

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
	dev        cu.Device
	ctx        cu.CUContext
	stream     cu.Stream
	fns        [numKernels]cu.Function
	modules    []cu.Module
	lib        *cublas.Library
	blas       *cublas.Handle
	blasWS     cu.DevicePtr
	maxBlocks  int
	err        error // the first error of queued work; later work is skipped
	capturing  bool
	capErr     error           // the first error while capturing, which fails the capture only
	argv       [maxArgs]uint64 // the arguments of the next launch, set by the typed launchers
	launchArgs *launchArgs     // argv copied into C memory, where cuLaunchKernel reads it

	// Only the calling goroutine touches these.
	mem     *arena.Arena
	scratch [numScratch]scratchBuf
	retired []uintptr     // scratch blocks outgrown while graphs that use them were alive
	pinned  []pinnedBlock // page-locked host memory from PinnedHost, freed by Close
	graphs  int           // graphs not yet closed
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

func dev(t *nn.Tensor) uintptr {
	if t == nil {
		return 0
	}
	return t.Device
}

// must panics with the contract's message, naming the backend, when a Backend method's
// operands break its contract (see nn.ShapeError): shapes are fixed when a network is built,
// so a violation is a broken invariant. It runs on the caller's goroutine, before any work
// is queued.
func must(err error) {
	if err != nil {
		panic("cuda: " + err.Error())
	}
}
