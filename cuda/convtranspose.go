//go:build cuda

package cuda

import "gogan/nn"

// convTransposeGeometry is the geometry of a transposed convolution's output image, whose
// column positions are the input's pixels, from the sizes its contract checked; the columns
// and the image must fit the kernels' 32-bit indices.
func convTransposeGeometry(op string, cg nn.ConvGeometry, err error) geometry {
	must(err)
	g := cg.TransposedColumns()
	checkIndex(op, g.Rows()*g.Cols())
	checkIndex(op, g.N*g.C*g.H*g.W)
	return g
}

// ConvTranspose2DForward implements nn.Backend: col (O·K·K, N·H·W) = Wᵀ · x (C, N·H·W), then
// each output pixel gathers the columns that reach it.
func (b *Backend) ConvTranspose2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConvTranspose2DForward(out, x, w, bias, p)
	g := convTransposeGeometry("ConvTranspose2DForward", cg, err)
	c, k, cols := cg.C, g.Rows(), g.Cols()
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
	cg, err := nn.CheckConvTranspose2DBackward(dx, dw, db, dout, x, w, p)
	g := convTransposeGeometry("ConvTranspose2DBackward", cg, err)
	c, k, cols := cg.C, g.Rows(), g.Cols()
	col := b.work(0, k*cols) // (O·K·K, N·H·W)
	xt := b.work(1, c*cols)  // (C, N·H·W)
	dxt := b.work(2, c*cols) // (C, N·H·W)
	red := b.channelReduction(g.N, g.C, g.H*g.W)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("ConvTranspose2DBackward", func() error {
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, g.N, g.C, g.H*g.W, red); err != nil {
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
