//go:build cuda

package cuda

import (
	"fmt"

	"gogan/nn"
)

// checkProjection checks the shapes of a projection op and returns the batch, class and
// feature sizes. The labels' values are the caller's to keep in range: the GAN checks them
// on the host before uploading them.
func checkProjection(op string, x, w, table, labels *nn.Tensor) (n, k, f int) {
	n = x.Shape[0]
	f = x.Len() / n
	checkLen(op+" weight", w, f)
	if len(table.Shape) != 2 || table.Shape[1] != f {
		panic(fmt.Sprintf("cuda: %s: table is %v, want (K, %d)", op, table.Shape, f))
	}
	checkLen(op+" labels", labels, n)
	k = table.Shape[0]
	checkIndex(op, (k+1)*f)
	checkIndex(op, n*f)
	return n, k, f
}

// ProjectionForward implements nn.Backend.
func (b *Backend) ProjectionForward(out, x, w, table, labels *nn.Tensor) {
	n, _, f := checkProjection("ProjectionForward", x, w, table, labels)
	checkLen("ProjectionForward out", out, n)
	po, px, pw, pt, pl := out.Device, x.Device, w.Device, table.Device, labels.Device
	b.enqueue("ProjectionForward", func() error {
		return b.projectionForwardF32(b.grid(n), po, px, pw, pt, pl, n, f)
	})
}

// ProjectionBackward implements nn.Backend.
func (b *Backend) ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels *nn.Tensor) {
	n, k, f := checkProjection("ProjectionBackward", x, w, table, labels)
	checkLen("ProjectionBackward dout", dout, n)
	if dx != nil {
		checkLen("ProjectionBackward dx", dx, n*f)
		pdx, pdo, pw, pt, pl := dx.Device, dout.Device, w.Device, table.Device, labels.Device
		b.enqueue("ProjectionBackward", func() error {
			return b.projectionBackwardDxF32(b.grid(n*f), pdx, pdo, pw, pt, pl, n, f)
		})
	}
	if dw == nil && dtable == nil {
		return
	}
	if dw != nil {
		checkLen("ProjectionBackward dw", dw, f)
	}
	if dtable != nil {
		checkLen("ProjectionBackward dtable", dtable, k*f)
	}
	pdw, pdt, pdo, px, pl := dev(dw), dev(dtable), dout.Device, x.Device, labels.Device
	b.enqueue("ProjectionBackward", func() error {
		return b.projectionBackwardParamsF32(b.grid((k+1)*f), pdw, pdt, pdo, px, pl, n, k, f)
	})
}
