//go:build cuda

package cuda

import "gogan/nn"

// convGeometry is the geometry of a convolution's input, from the sizes its contract
// checked; the columns must fit the kernels' 32-bit indices.
func convGeometry(op string, cg nn.ConvGeometry, err error) geometry {
	must(err)
	g := cg.Columns()
	checkIndex(op, g.Rows()*g.Cols())
	return g
}

// Conv2DForward implements nn.Backend: out (O, N·P) = W (O, C·K·K) · col (C·K·K, N·P).
func (b *Backend) Conv2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConv2DForward(out, x, w, bias, p)
	g := convGeometry("Conv2DForward", cg, err)
	o, k, cols := cg.O, g.Rows(), g.Cols()
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
	cg, err := nn.CheckConv2DBackward(dx, dw, db, dout, x, w, p)
	g := convGeometry("Conv2DBackward", cg, err)
	o, k, cols := cg.O, g.Rows(), g.Cols()
	dt := b.work(1, o*cols)  // (O, N·OH·OW)
	col := b.work(0, k*cols) // (C·K·K, N·OH·OW)
	red := b.channelReduction(g.N, o, g.OH*g.OW)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("Conv2DBackward", func() error {
		if err := b.toChannelMajor(dt, pdo, g.N, o, g.OH*g.OW); err != nil {
			return err
		}
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, g.N, o, g.OH*g.OW, red); err != nil {
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
