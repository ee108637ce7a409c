//go:build cuda

package cuda

import "gogan/nn"

// convGeometry checks a convolution's shapes and returns the geometry of its input.
func convGeometry(op string, out, x, w *nn.Tensor, p nn.ConvParams) geometry {
	checkRank(op, "input", x, 4)
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o := w.Shape[0]
	checkShape(op, "weight", w, o, c, p.Kernel, p.Kernel)
	checkShape(op, "output", out, n, o, p.ConvOut(h), p.ConvOut(wd))
	g := geometry{N: n, C: c, H: h, W: wd, OH: p.ConvOut(h), OW: p.ConvOut(wd), K: p.Kernel, S: p.Stride, P: p.Pad}
	checkIndex(op, g.rows()*g.cols())
	return g
}

// Conv2DForward implements nn.Backend: out (O, N·P) = W (O, C·K·K) · col (C·K·K, N·P).
func (b *Backend) Conv2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convGeometry("Conv2DForward", out, x, w, p)
	if bias != nil {
		checkShape("Conv2DForward", "bias", bias, w.Shape[0])
	}
	o, k, cols := w.Shape[0], g.rows(), g.cols()
	col := b.work(0, k*cols) // (C·K·K, N·OH·OW)
	tmp := b.work(1, o*cols) // (O, N·OH·OW)
	po, px, pw, pb := out.Device, x.Device, w.Device, dev(bias)
	b.enqueue("Conv2DForward", func() error {
		if err := b.im2col(col, px, g); err != nil {
			return err
		}
		if err := b.gemm(false, false, o, cols, k, 1, pw, k, col, cols, 0, tmp, cols); err != nil {
			return err
		}
		return b.fromChannelMajor(po, tmp, pb, g.N, o, g.OH*g.OW)
	})
}

// Conv2DBackward implements nn.Backend.
func (b *Backend) Conv2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	g := convGeometry("Conv2DBackward", dout, x, w, p)
	if dx != nil {
		checkShape("Conv2DBackward", "dx", dx, x.Shape...)
	}
	checkGrads("Conv2DBackward", dw, w, db, w.Shape[0])
	o, k, cols := w.Shape[0], g.rows(), g.cols()
	dt := b.work(1, o*cols)  // (O, N·OH·OW)
	col := b.work(0, k*cols) // (C·K·K, N·OH·OW)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("Conv2DBackward", func() error {
		if err := b.toChannelMajor(dt, pdo, g.N, o, g.OH*g.OW); err != nil {
			return err
		}
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, g.N, o, g.OH*g.OW); err != nil {
				return err
			}
		}
		if pdw != 0 {
			if err := b.im2col(col, px, g); err != nil {
				return err
			}
			if err := b.gemm(false, true, o, k, cols, 1, dt, cols, col, cols, 1, pdw, k); err != nil {
				return err
			}
		}
		if pdx == 0 {
			return nil
		}
		if err := b.gemm(true, false, k, cols, o, 1, pw, k, dt, cols, 0, col, cols); err != nil {
			return err
		}
		return b.col2im(pdx, col, 0, g)
	})
}
