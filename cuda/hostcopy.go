//go:build cuda

package cuda

// #include <cuda.h>
// #include <stdint.h>
//
// // The host address travels as an integer: cgo's pointer check would otherwise inspect the
// // whole Go object that holds it, and refuse an array inside a struct that has pointers.
// static CUresult htod(CUdeviceptr dst, uintptr_t src, size_t n, CUstream s) {
//	return cuMemcpyHtoDAsync(dst, (const void*)src, n, s);
// }
// static CUresult dtoh(uintptr_t dst, CUdeviceptr src, size_t n, CUstream s) {
//	return cuMemcpyDtoHAsync((void*)dst, src, n, s);
// }
import "C"

import (
	"runtime"
	"unsafe"
)

// The copies between host and device memory. The host side is often part of a larger Go
// object (the trainer's loss statistics are an array field of its GAN struct); cgo refuses to
// pass a pointer into an object that holds Go pointers, so the copies pin the object for the
// duration of the call and pass its address as an integer. Both run on the worker.

// copyToDevice queues a copy of n bytes from host memory at src to device address dst. From
// pageable memory the driver has taken its copy of src when the call returns.
func (b *Backend) copyToDevice(dst uintptr, src unsafe.Pointer, n int) error {
	var pin runtime.Pinner
	pin.Pin(src)
	defer pin.Unpin()
	return resultError(C.htod(C.CUdeviceptr(dst), C.uintptr_t(uintptr(src)), C.size_t(n), b.cstream()))
}

// copyToHost queues a copy of n bytes from device address src to host memory at dst; dst is
// written when the stream reaches the copy, so the caller synchronises before using it.
func (b *Backend) copyToHost(dst unsafe.Pointer, src uintptr, n int) error {
	var pin runtime.Pinner
	pin.Pin(dst)
	defer pin.Unpin()
	return resultError(C.dtoh(C.uintptr_t(uintptr(dst)), C.CUdeviceptr(src), C.size_t(n), b.cstream()))
}
