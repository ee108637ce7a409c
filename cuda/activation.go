//go:build cuda

package cuda

import (
	"fmt"

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
