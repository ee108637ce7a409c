//go:build cuda

package cuda

import (
	"gogan/nn"
)

// projectionSizes returns the batch, class and feature sizes that a projection op's contract
// checked, which must fit the kernels' 32-bit indices. The labels' values are the caller's
// to keep in range: the GAN checks them on the host before uploading them.
func projectionSizes(op string, g nn.ProjectionGeometry, err error) (n, k, f int) {
	must(err)
	checkIndex(op, (g.K+1)*g.F)
	checkIndex(op, g.N*g.F)
	return g.N, g.K, g.F
}

// ProjectionForward implements nn.Backend.
func (b *Backend) ProjectionForward(out, x, w, table, labels *nn.Tensor) {
	g, err := nn.CheckProjectionForward(out, x, w, table, labels)
	n, _, f := projectionSizes("ProjectionForward", g, err)
	po, px, pw, pt, pl := out.Device, x.Device, w.Device, table.Device, labels.Device
	b.enqueue("ProjectionForward", func() error {
		return b.projectionForwardF32(b.grid(n), po, px, pw, pt, pl, n, f)
	})
}

// ProjectionBackward implements nn.Backend.
func (b *Backend) ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels *nn.Tensor) {
	g, err := nn.CheckProjectionBackward(dx, dw, dtable, dout, x, w, table, labels)
	n, k, f := projectionSizes("ProjectionBackward", g, err)
	if dx != nil {
		pdx, pdo, pw, pt, pl := dx.Device, dout.Device, w.Device, table.Device, labels.Device
		b.enqueue("ProjectionBackward", func() error {
			return b.projectionBackwardDxF32(b.grid(n*f), pdx, pdo, pw, pt, pl, n, f)
		})
	}
	if dw == nil && dtable == nil {
		return
	}
	pdw, pdt, pdo, px, pl := dev(dw), dev(dtable), dout.Device, x.Device, labels.Device
	b.enqueue("ProjectionBackward", func() error {
		return b.projectionBackwardParamsF32(b.grid((k+1)*f), pdw, pdt, pdo, px, pl, n, k, f)
	})
}
