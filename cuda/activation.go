//go:build cuda

package cuda

import (
	"fmt"
	"unsafe"

	"gogan/nn"
)

// ActivationForward implements nn.Backend.
func (b *Backend) ActivationForward(out, x *nn.Tensor, a nn.Activation) {
	checkShape("ActivationForward", "output", out, x.Shape...)
	kind := activationKind("ActivationForward", a)
	n := x.Len()
	checkIndex("ActivationForward", n)
	po, px := out.Device, x.Device
	b.enqueue("ActivationForward", func() error {
		return b.actForwardF32(b.grid(n), po, px, n, kind, a.Slope)
	})
}

// ActivationBackward implements nn.Backend.
func (b *Backend) ActivationBackward(dx, dout, x, out *nn.Tensor, a nn.Activation) {
	if dx == nil {
		return
	}
	checkShape("ActivationBackward", "dx", dx, dout.Shape...)
	checkShape("ActivationBackward", "x", x, dout.Shape...)
	checkShape("ActivationBackward", "out", out, dout.Shape...)
	kind := activationKind("ActivationBackward", a)
	n := dout.Len()
	checkIndex("ActivationBackward", n)
	pdx, pdo, px, po := dx.Device, dout.Device, x.Device, out.Device
	b.enqueue("ActivationBackward", func() error {
		return b.actBackwardF32(b.grid(n), pdx, pdo, px, po, n, kind, a.Slope)
	})
}

// activationKind is the kernels' code for an activation, nn's own.
func activationKind(op string, a nn.Activation) int {
	switch a.Kind {
	case nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid:
		return int(a.Kind)
	}
	panic(fmt.Sprintf("cuda: %s: unknown activation %v", op, a))
}

// LogitLoss implements nn.Backend, in double in one block, as the CPU backend does.
func (b *Backend) LogitLoss(stats, dlogits, logits *nn.Tensor, f nn.LossTerm, scale float32) {
	n := logits.Len()
	checkShape("LogitLoss", "stats", stats, 3)
	if dlogits != nil {
		checkLen("LogitLoss dlogits", dlogits, n)
	}
	if f < nn.TermSoftplusNeg || f > nn.TermIdentity {
		panic(fmt.Sprintf("cuda: LogitLoss: unknown loss term %d", f))
	}
	checkIndex("LogitLoss", n)
	ps, pd, pl := stats.Device, dev(dlogits), logits.Device
	b.enqueue("LogitLoss", func() error {
		return b.logitLossF32(1, ps, pd, pl, n, int(f), scale)
	})
}

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
