//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"unsafe"

	"gorgonia.org/cu"

	"gogan/nn"
)

// New implements nn.Backend. The memory comes from the arena, so networks and optimisers,
// which allocate when they are built, ask the driver for memory only then. When the GPU has
// no memory left the tensor has no storage and Sync reports the error.
func (b *Backend) New(shape ...int) *nn.Tensor {
	s := nn.Shape(shape).Clone()
	for _, d := range s {
		if d < 0 {
			panic(fmt.Sprintf("cuda: negative dimension in %v", s))
		}
	}
	n := s.Size()
	checkIndex("New", n)
	t := &nn.Tensor{Shape: s}
	if b.capture != nil {
		b.failLater("New", errCaptureAlloc)
		return t
	}
	t.Device = b.alloc(fmt.Sprintf("New%v", s), n)
	if t.Device != 0 {
		b.Fill(t, 0)
	}
	return t
}

// Free implements nn.Backend.
func (b *Backend) Free(t *nn.Tensor) {
	if b.capture != nil {
		b.failLater("Free", errCaptureAlloc)
		return
	}
	if t.Device != 0 {
		b.mem.Free(t.Device)
		t.Device = 0
	}
}

// Upload implements nn.Backend. It waits until the driver has taken a copy of src, not for
// the transfer, so the GPU may still be busy with earlier work when it returns.
func (b *Backend) Upload(t *nn.Tensor, src []float32) {
	checkLen("Upload", t, len(src))
	if len(src) == 0 || b.refuseInCapture("Upload") {
		return
	}
	dst := cu.DevicePtr(t.Device)
	b.w.call(func() {
		if b.err != nil {
			return
		}
		// From pageable memory the driver stages src before it returns.
		if err := b.copyToDevice(uintptr(dst), unsafe.Pointer(&src[0]), 4*len(src)); err != nil {
			b.fail("Upload", err)
		}
	})
}

// Download implements nn.Backend. After an error dst is filled with NaN, so that a value that
// never arrived cannot pass for one that did.
func (b *Backend) Download(dst []float32, t *nn.Tensor) {
	checkLen("Download", t, len(dst))
	if len(dst) == 0 {
		return
	}
	ok := false
	if !b.refuseInCapture("Download") {
		src := cu.DevicePtr(t.Device)
		b.w.call(func() {
			if b.err != nil {
				return
			}
			err := b.copyToHost(unsafe.Pointer(&dst[0]), uintptr(src), 4*len(dst))
			if err == nil {
				err = b.stream.Synchronize()
			}
			if err != nil {
				b.fail("Download", driverError(err))
				return
			}
			ok = true
		})
	}
	if !ok {
		nan := float32(math.NaN())
		for i := range dst {
			dst[i] = nan
		}
	}
}

// Fill implements nn.Backend.
func (b *Backend) Fill(t *nn.Tensor, v float32) {
	n, p, bits := t.Len(), cu.DevicePtr(t.Device), uint(math.Float32bits(v))
	if n == 0 {
		return
	}
	b.enqueue("Fill", func() error { return driverError(cu.MemsetD32Async(p, bits, int64(n), b.stream)) })
}

// Copy implements nn.Backend. Overlapping tensors (views of one buffer) are copied as Go's
// copy does, as if through a temporary: the driver's device-to-device copy is undefined for
// overlapping ranges, so they go through a scratch buffer.
func (b *Backend) Copy(dst, src *nn.Tensor) {
	checkLen("Copy", dst, src.Len())
	n, d, s := src.Len(), cu.DevicePtr(dst.Device), cu.DevicePtr(src.Device)
	if n == 0 || d == s {
		return
	}
	size := int64(4 * n)
	if !overlap(uintptr(d), uintptr(s), uintptr(size)) {
		b.enqueue("Copy", func() error { return driverError(cu.MemcpyDtoDAsync(d, s, size, b.stream)) })
		return
	}
	tmp := cu.DevicePtr(b.work(0, n))
	b.enqueue("Copy", func() error {
		if err := cu.MemcpyDtoDAsync(tmp, s, size, b.stream); err != nil {
			return driverError(err)
		}
		return driverError(cu.MemcpyDtoDAsync(d, tmp, size, b.stream))
	})
}

// overlap reports whether [a, a+n) and [b, b+n) share a byte.
func overlap(a, b, n uintptr) bool { return a < b+n && b < a+n }

// Clamp implements nn.Backend.
func (b *Backend) Clamp(t *nn.Tensor, lo, hi float32) {
	n := t.Len()
	checkIndex("Clamp", n)
	pt := t.Device
	b.enqueue("Clamp", func() error { return b.clampF32(b.grid(n), pt, n, lo, hi) })
}
