//go:build cuda

package cuda

import (
	"fmt"
	"unsafe"

	"gogan/nn"
)

// UploadBytes sets t to src·scale + shift, sending one byte per element over the bus instead
// of four: scale 2/255 and shift −1 turn 8-bit pixels into the [−1, 1] of a generator's Tanh.
func (b *Backend) UploadBytes(t *nn.Tensor, src []uint8, scale, shift float32) {
	checkLen("UploadBytes", t, len(src))
	n := len(src)
	if n == 0 || b.refuseInCapture("UploadBytes") {
		return
	}
	checkIndex("UploadBytes", n)
	staging, dst := b.work(3, (n+3)/4), t.Device
	b.w.call(func() {
		if b.err != nil {
			return
		}
		err := b.copyToDevice(staging, unsafe.Pointer(&src[0]), n)
		if err == nil {
			err = b.u8ToF32(b.grid(n), dst, staging, n, scale, shift)
		}
		if err != nil {
			b.fail("UploadBytes", err)
		}
	})
}

// DownloadBytes sets dst to t·scale + shift rounded and clamped to [0, 255]: scale 127.5 and
// shift 127.5 turn a generator's [−1, 1] into 8-bit pixels.
func (b *Backend) DownloadBytes(dst []uint8, t *nn.Tensor, scale, shift float32) error {
	checkLen("DownloadBytes", t, len(dst))
	n := len(dst)
	if n == 0 {
		return nil
	}
	if b.capture != nil {
		return fmt.Errorf("cuda: DownloadBytes: %w", errCaptureSync)
	}
	checkIndex("DownloadBytes", n)
	staging, src := b.work(3, (n+3)/4), t.Device
	var err error
	b.w.call(func() {
		if err = b.err; err != nil {
			return
		}
		err = b.f32ToU8(b.grid(n), staging, src, n, scale, shift)
		if err == nil {
			err = b.copyToHost(unsafe.Pointer(&dst[0]), staging, n)
		}
		if err == nil {
			err = driverError(b.stream.Synchronize())
		}
		if err != nil {
			b.fail("DownloadBytes", err)
			err = b.err
		}
	})
	return err
}
