//go:build cuda

package cuda

import "gogan/nn"

// convTransposeGeometry checks a transposed convolution's shapes and returns the geometry of
// its output image, whose column positions are the input's pixels.
func convTransposeGeometry(op string, out, x, w *nn.Tensor, p nn.ConvParams) geometry {
	checkRank(op, "input", x, 4)
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o := w.Shape[1]
	checkShape(op, "weight", w, c, o, p.Kernel, p.Kernel)
	ho, wo := p.ConvTransposeOut(h), p.ConvTransposeOut(wd)
	checkShape(op, "output", out, n, o, ho, wo)
	g := geometry{N: n, C: o, H: ho, W: wo, OH: h, OW: wd, K: p.Kernel, S: p.Stride, P: p.Pad}
	checkIndex(op, g.rows()*g.cols())
	checkIndex(op, n*o*ho*wo)
	return g
}

// ConvTranspose2DForward implements nn.Backend: col (O·K·K, N·H·W) = Wᵀ · x (C, N·H·W), then
// each output pixel gathers the columns that reach it.
func (b *Backend) ConvTranspose2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convTransposeGeometry("ConvTranspose2DForward", out, x, w, p)
	if bias != nil {
		checkShape("ConvTranspose2DForward", "bias", bias, g.C)
	}
	c, k, cols := x.Shape[1], g.rows(), g.cols()
	xt := b.work(1, c*cols)  // (C, N·H·W)
	col := b.work(0, k*cols) // (O·K·K, N·H·W)
	po, px, pw, pb := out.Device, x.Device, w.Device, dev(bias)
	b.enqueue("ConvTranspose2DForward", func() error {
		if err := b.toChannelMajor(xt, px, g.N, c, g.OH*g.OW); err != nil {
			return err
		}
		if err := b.gemm(true, false, k, cols, c, 1, pw, k, xt, cols, 0, col, cols); err != nil {
			return err
		}
		return b.col2im(po, col, pb, g)
	})
}

// ConvTranspose2DBackward implements nn.Backend.
func (b *Backend) ConvTranspose2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	g := convTransposeGeometry("ConvTranspose2DBackward", dout, x, w, p)
	if dx != nil {
		checkShape("ConvTranspose2DBackward", "dx", dx, x.Shape...)
	}
	checkGrads("ConvTranspose2DBackward", dw, w, db, g.C)
	c, k, cols := x.Shape[1], g.rows(), g.cols()
	col := b.work(0, k*cols) // (O·K·K, N·H·W)
	xt := b.work(1, c*cols)  // (C, N·H·W)
	dxt := b.work(2, c*cols) // (C, N·H·W)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("ConvTranspose2DBackward", func() error {
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, g.N, g.C, g.H*g.W); err != nil {
				return err
			}
		}
		if pdw == 0 && pdx == 0 {
			return nil
		}
		if err := b.im2col(col, pdo, g); err != nil {
			return err
		}
		if pdw != 0 {
			if err := b.toChannelMajor(xt, px, g.N, c, g.OH*g.OW); err != nil {
				return err
			}
			if err := b.gemm(false, true, c, k, cols, 1, xt, cols, col, cols, 1, pdw, k); err != nil {
				return err
			}
		}
		if pdx == 0 {
			return nil
		}
		if err := b.gemm(false, false, c, cols, k, 1, pw, k, col, cols, 0, dxt, cols); err != nil {
			return err
		}
		return b.fromChannelMajor(pdx, dxt, 0, g.N, c, g.OH*g.OW)
	})
}
