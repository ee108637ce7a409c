//go:build cuda

package cuda

import (
	"gogan/nn"
)

// ActivationForward implements nn.Backend.
func (b *Backend) ActivationForward(out, x *nn.Tensor, a nn.Activation) {
	n, err := nn.CheckActivationForward(out, x, a)
	must(err)
	kind := int(a.Kind) // the kernels' codes are nn's own
	checkIndex("ActivationForward", n)
	po, px := out.Device, x.Device
	b.enqueue("ActivationForward", func() error {
		return b.actForwardF32(b.grid(n), po, px, n, kind, a.Slope)
	})
}

// ActivationBackward implements nn.Backend.
func (b *Backend) ActivationBackward(dx, dout, x, out *nn.Tensor, a nn.Activation) {
	n, err := nn.CheckActivationBackward(dx, dout, x, out, a)
	must(err)
	if dx == nil {
		return
	}
	kind := int(a.Kind)
	checkIndex("ActivationBackward", n)
	pdx, pdo, px, po := dx.Device, dout.Device, x.Device, out.Device
	b.enqueue("ActivationBackward", func() error {
		return b.actBackwardF32(b.grid(n), pdx, pdo, px, po, n, kind, a.Slope)
	})
}
