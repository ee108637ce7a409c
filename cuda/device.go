//go:build cuda

package cuda

// #include <stdlib.h>
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"gorgonia.org/cu"

	"gogan/cuda/internal/cublas"
	"gogan/cuda/kernels"
)

// minDriverVersion is the CUDA version the driver must support to compile the PTX: its ISA
// version, 7.8, is that of nvcc 11.8.
const minDriverVersion = 11080

// blasWorkspace is the device memory cuBLAS gets for itself, the size NVIDIA recommends for
// Hopper; with its own workspace cuBLAS allocates nothing while a graph is recorded.
const blasWorkspace = 32 << 20

// start runs on the worker's thread: it makes the context current there for good.
func (b *Backend) start() error {
	if v := cu.Version(); v < minDriverVersion {
		return fmt.Errorf("cuda: the NVIDIA driver supports CUDA %d.%d, but gogan's kernels need %d.%d or newer: update the driver (R520 or later)",
			v/1000, v%1000/10, minDriverVersion/1000, minDriverVersion%1000/10)
	}
	n, err := cu.NumDevices()
	if err != nil {
		return fmt.Errorf("cuda: count devices: %w", driverError(err))
	}
	if b.opts.Device < 0 || b.opts.Device >= n {
		return fmt.Errorf("cuda: no GPU %d: this machine has %d (0 to %d)", b.opts.Device, n, n-1)
	}
	b.dev, err = cu.GetDevice(b.opts.Device)
	if err == nil {
		b.desc, err = b.dev.Name()
		b.desc = fmt.Sprintf("GPU %d (%s)", b.opts.Device, b.desc)
	}
	if err != nil {
		return fmt.Errorf("cuda: GPU %d: %w", b.opts.Device, driverError(err))
	}
	// The primary context is the one the CUDA runtime inside cuBLAS uses too.
	if b.ctx, err = b.dev.RetainPrimaryCtx(); err != nil {
		return fmt.Errorf("cuda: %s: make context: %w", b.desc, driverError(err))
	}
	if err := cu.SetCurrentContext(b.ctx); err != nil {
		return b.abort(fmt.Errorf("cuda: %s: make context current: %w", b.desc, driverError(err)))
	}
	if b.stream, err = cu.MakeStream(cu.NonBlocking); err != nil {
		return b.abort(fmt.Errorf("cuda: %s: make stream: %w", b.desc, driverError(err)))
	}
	sms, err := b.dev.Attribute(cu.MultiprocessorCount)
	if err != nil {
		return b.abort(fmt.Errorf("cuda: %s: %w", b.desc, driverError(err)))
	}
	// Enough blocks of grid-stride loops to fill every multiprocessor several times over.
	b.maxBlocks = 32 * sms
	if err := b.loadKernels(); err != nil {
		return b.abort(err)
	}
	if err := b.allocLaunchArgs(); err != nil {
		return b.abort(err)
	}
	if err := b.loadBLAS(); err != nil {
		return b.abort(err)
	}
	return nil
}

// loadKernels loads the embedded modules for this GPU: their SASS where it runs here, else
// their PTX, compiled by the driver (moduleImage; gan info says which).
func (b *Backend) loadKernels() error {
	major, minor, err := computeCapability(b.dev)
	if err != nil {
		return fmt.Errorf("cuda: %s: %w", b.desc, err)
	}
	mods := map[string]cu.Module{}
	for _, name := range kernels.Modules() {
		m, _, err := moduleImage(name, major, minor)
		if err != nil {
			return fmt.Errorf("cuda: %s: %w", b.desc, err)
		}
		mods[name] = m
		b.modules = append(b.modules, m)
	}
	for k, kn := range kernelNames {
		m, ok := mods[kn.module]
		if !ok {
			return fmt.Errorf("cuda: no kernel module %q for %s", kn.module, kn.name)
		}
		fn, err := m.Function(kn.name)
		if err != nil {
			return fmt.Errorf("cuda: kernel %s in module %s: %w", kn.name, kn.module, driverError(err))
		}
		b.fns[k] = fn
	}
	return nil
}

// jitLogSize is the room for the JIT compiler's error log, which names the PTX line at fault.
const jitLogSize = 16 << 10

// loadModule has the driver compile a module's PTX for the current context's GPU. On failure
// the error carries the JIT compiler's own log, not only the driver's "PTX JIT compilation
// failed". It runs on the worker.
func loadModule(ptx string) (cu.Module, error) {
	// The log's address reaches the driver inside an array of option values, out of sight of
	// cgo's pointer checks, so the buffer is C memory, which the Go runtime never moves.
	buf := C.calloc(1, jitLogSize)
	if buf == nil {
		return cu.Module{}, errors.New("no memory for the JIT log")
	}
	defer C.free(buf)
	jitLog := unsafe.Slice((*byte)(buf), jitLogSize)
	m, err := cu.LoadDataEx(ptx, &cu.JITErrorLogBuffer{Buffer: jitLog})
	if err == nil {
		return m, nil
	}
	err = driverError(err)
	if n := bytes.IndexByte(jitLog, 0); n != 0 {
		if n < 0 {
			n = len(jitLog)
		}
		if msg := strings.TrimSpace(string(jitLog[:n])); msg != "" {
			err = fmt.Errorf("%w; the JIT compiler says: %s", err, msg)
		}
	}
	return cu.Module{}, err
}

// openBLAS loads the newest cuBLAS that can make a handle with this driver, on the calling
// thread, whose current context the handle is bound to. New and Info both use it, so that
// Info names the library New would use.
func openBLAS() (*cublas.Library, *cublas.Handle, error) {
	var h *cublas.Handle
	lib, err := cublas.Load(func(l *cublas.Library) error {
		var err error
		h, err = l.NewHandle()
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cuda: %w", err)
	}
	return lib, h, nil
}

// loadBLAS loads cuBLAS for the backend and gives it the stream and a workspace.
func (b *Backend) loadBLAS() error {
	lib, h, err := openBLAS()
	if err != nil {
		return err
	}
	b.lib, b.blas = lib, h
	if err := b.blas.SetStream(uintptr(unsafe.Pointer(b.stream.C()))); err != nil {
		return fmt.Errorf("cuda: %s: %w", lib.Path, err)
	}
	if err := b.blas.SetTF32(b.opts.TF32); err != nil && (b.opts.TF32 || !errors.Is(err, cublas.ErrMissing)) {
		return fmt.Errorf("cuda: %s: %w", lib.Path, err)
	}
	if b.blasWS, err = cu.MemAlloc(blasWorkspace); err != nil {
		return fmt.Errorf("cuda: %s: cuBLAS workspace: %w", b.desc, driverError(err))
	}
	if err := b.blas.SetWorkspace(uintptr(b.blasWS), blasWorkspace); err != nil && !errors.Is(err, cublas.ErrMissing) {
		return fmt.Errorf("cuda: %s: %w", lib.Path, err)
	}
	return nil
}

// abort releases what start made before it failed, and returns err.
func (b *Backend) abort(err error) error {
	b.release()
	return err
}

// release frees everything the worker made; it runs on the worker.
func (b *Backend) release() {
	b.freePinned()
	b.freeLaunchArgs()
	if b.blas != nil {
		b.blas.Destroy()
		b.blas = nil
	}
	if b.lib != nil {
		b.lib.Close()
		b.lib = nil
	}
	if b.blasWS != 0 {
		cu.MemFree(b.blasWS)
		b.blasWS = 0
	}
	for _, m := range b.modules {
		m.Unload()
	}
	b.modules = nil
	if b.stream != (cu.Stream{}) {
		b.stream.Destroy()
	}
	if b.ctx != (cu.CUContext{}) {
		b.dev.ReleasePrimaryCtx()
		b.ctx = cu.CUContext{}
	}
}

// Close waits for queued work, frees all device memory and stops the backend's thread. The
// backend and its tensors must not be used after.
func (b *Backend) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	err := b.Sync()
	var chunks []uintptr
	if b.mem != nil {
		chunks = b.mem.Chunks()
	}
	b.w.call(func() {
		for _, p := range chunks {
			cu.MemFree(cu.DevicePtr(p))
		}
		b.release()
	})
	b.w.stop()
	return err
}

// worker runs functions one at a time on a goroutine locked to its OS thread, on which the
// CUDA context is current: the driver keeps the current context per thread, and a stream
// being captured into a graph must only be used from the thread that began the capture.
type worker struct {
	ops   chan func()
	done  chan struct{}
	waits int // calls that waited for the worker: the tests count them per training step
}

// queueDepth is how many queued functions may wait for the worker; a training step of
// dcgan64 queues about two hundred.
const queueDepth = 1024

// startWorker starts the worker's goroutine, runs setup on it and waits for the result.
func startWorker(setup func() error) (*worker, error) {
	w := &worker{ops: make(chan func(), queueDepth), done: make(chan struct{}, 1)}
	started := make(chan error)
	go func() {
		// Never unlocked: when the goroutine returns, the thread that held the context exits.
		runtime.LockOSThread()
		if err := setup(); err != nil {
			started <- err
			return
		}
		started <- nil
		for fn := range w.ops {
			fn()
		}
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return w, nil
}

// async queues fn without waiting for it.
func (w *worker) async(fn func()) { w.ops <- fn }

// call runs fn on the worker after everything queued before it, and waits for it.
func (w *worker) call(fn func()) {
	w.waits++
	w.ops <- func() {
		fn()
		w.done <- struct{}{}
	}
	<-w.done
}

// stop ends the worker after the queued functions.
func (w *worker) stop() { close(w.ops) }
