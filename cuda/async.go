//go:build cuda

package cuda

// #include <cuda.h>
// #include <stdint.h>
//
// static CUresult pinned_htod(CUdeviceptr dst, uintptr_t src, size_t n, CUstream s) {
//	return cuMemcpyHtoDAsync(dst, (const void*)src, n, s);
// }
// static CUresult pinned_dtoh(uintptr_t dst, CUdeviceptr src, size_t n, CUstream s) {
//	return cuMemcpyDtoHAsync((void*)dst, src, n, s);
// }
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"gogan/nn"
)

// The asynchronous transfers of nn.AsyncTransfers. Host memory from PinnedHost is C memory
// that the driver has page-locked, which the Go runtime never moves, so its address can be
// kept by queued copies and by recorded graphs; a copy from or to it returns at once, where a
// copy from pageable memory waits while the driver stages it and one to pageable memory waits
// for the device.

var _ nn.AsyncTransfers = (*Backend)(nil)

// pinnedBlock is one page-locked allocation.
type pinnedBlock struct {
	p unsafe.Pointer
	n int // bytes
}

// PinnedHost implements nn.AsyncTransfers.
func (b *Backend) PinnedHost(n int) ([]float32, error) {
	if n < 1 {
		return nil, fmt.Errorf("cuda: page-locked memory for %d values", n)
	}
	if b.capture != nil {
		return nil, errCaptureAlloc
	}
	var p unsafe.Pointer
	var err error
	b.w.call(func() { err = resultError(C.cuMemHostAlloc(&p, C.size_t(4*n), 0)) })
	if err != nil {
		return nil, fmt.Errorf("cuda: %d MiB of page-locked host memory: %w", (4*n)>>20, err)
	}
	b.pinned = append(b.pinned, pinnedBlock{p, 4 * n})
	s := unsafe.Slice((*float32)(p), n)
	clear(s)
	return s, nil
}

// pinnedAt panics unless s lies in memory from PinnedHost: an asynchronous copy from Go
// memory could read it after the Go runtime has moved or reused it.
func (b *Backend) pinnedAt(op string, s []float32) uintptr {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	for _, blk := range b.pinned {
		base := uintptr(blk.p)
		if start >= base && start+uintptr(4*len(s)) <= base+uintptr(blk.n) {
			return start
		}
	}
	panic("cuda: " + op + ": the host memory is not from PinnedHost")
}

// UploadAsync implements nn.AsyncTransfers. It may be recorded in a graph.
func (b *Backend) UploadAsync(t *nn.Tensor, src []float32) {
	must(nn.CheckTransfer("UploadAsync", t, len(src)))
	if len(src) == 0 {
		return
	}
	host, dst := b.pinnedAt("UploadAsync", src), t.Device
	b.enqueue("UploadAsync", func() error {
		return resultError(C.pinned_htod(C.CUdeviceptr(dst), C.uintptr_t(host), C.size_t(4*len(src)), b.cstream()))
	})
}

// DownloadAsync implements nn.AsyncTransfers. It may be recorded in a graph.
func (b *Backend) DownloadAsync(dst []float32, t *nn.Tensor) {
	must(nn.CheckTransfer("DownloadAsync", t, len(dst)))
	if len(dst) == 0 {
		return
	}
	host, src := b.pinnedAt("DownloadAsync", dst), t.Device
	b.enqueue("DownloadAsync", func() error {
		return resultError(C.pinned_dtoh(C.uintptr_t(host), C.CUdeviceptr(src), C.size_t(4*len(dst)), b.cstream()))
	})
}

// freePinned returns the page-locked memory to the driver; it runs on the worker.
func (b *Backend) freePinned() {
	for _, blk := range b.pinned {
		C.cuMemFreeHost(blk.p)
	}
	b.pinned = nil
}

// fence is an event on the backend's stream.
type fence struct {
	b  *Backend
	ev C.CUevent
}

// NewFence implements nn.AsyncTransfers.
func (b *Backend) NewFence() (nn.Fence, error) {
	f := &fence{b: b}
	var err error
	b.w.call(func() { err = resultError(C.cuEventCreate(&f.ev, C.CU_EVENT_DISABLE_TIMING)) })
	if err != nil {
		return nil, fmt.Errorf("cuda: make an event: %w", err)
	}
	return f, nil
}

// Record implements nn.Fence.
func (f *fence) Record() {
	if f.b.refuseInCapture("Fence.Record") {
		return
	}
	ev := f.ev
	f.b.enqueue("Fence.Record", func() error { return resultError(C.cuEventRecord(ev, f.b.cstream())) })
}

// Wait implements nn.Fence. It asks the driver first whether the event has passed, which
// does not block, and waits for it only when it has not.
func (f *fence) Wait() error {
	b := f.b
	if b.capture != nil {
		return fmt.Errorf("cuda: Fence.Wait while capturing a graph: %w", errCaptureSync)
	}
	var err error
	b.w.call(func() {
		if b.err != nil {
			err = b.err
			return
		}
		r := C.cuEventQuery(f.ev)
		if r == C.CUDA_ERROR_NOT_READY {
			r = C.cuEventSynchronize(f.ev)
		}
		if e := resultError(r); e != nil {
			b.fail("Fence.Wait", e)
			err = b.err
		}
	})
	return err
}

// Close implements nn.Fence.
func (f *fence) Close() error {
	if f.ev == nil {
		return nil
	}
	var err error
	f.b.w.call(func() { err = resultError(C.cuEventDestroy(f.ev)) })
	f.ev = nil
	if err != nil {
		return errors.Join(errors.New("cuda: destroy an event"), err)
	}
	return nil
}
