//go:build cuda

package cuda

import "gogan/nn"

// LinearForward implements nn.Backend.
func (b *Backend) LinearForward(out, x, w, bias *nn.Tensor) {
	g, err := nn.CheckLinearForward(out, x, w, bias)
	must(err)
	n, in, o := g.N, g.In, g.Out
	po, px, pw, pb := out.Device, x.Device, w.Device, dev(bias)
	b.enqueue("LinearForward", func() error {
		if err := b.gemm(false, true, n, o, in, 1, px, in, pw, in, 0, po, o); err != nil {
			return err
		}
		if pb == 0 {
			return nil
		}
		return b.addBiasF32(b.grid(n*o), po, pb, n, o, 1)
	})
}

// LinearBackward implements nn.Backend.
func (b *Backend) LinearBackward(dx, dw, db, dout, x, w *nn.Tensor) {
	g, err := nn.CheckLinearBackward(dx, dw, db, dout, x, w)
	must(err)
	n, in, o := g.N, g.In, g.Out
	red := b.channelReduction(n, o, 1)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("LinearBackward", func() error {
		if pdw != 0 {
			if err := b.gemm(true, false, o, in, n, 1, pdo, o, px, in, 1, pdw, in); err != nil {
				return err
			}
		}
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, n, o, 1, red); err != nil {
				return err
			}
		}
		if pdx == 0 {
			return nil
		}
		return b.gemm(false, false, n, in, o, 1, pdo, o, pw, in, 0, pdx, in)
	})
}
