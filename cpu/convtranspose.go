package cpu

import (
	"gogan/gemm"
	"gogan/nn"
)

// convTransposeGeometry is the geometry of a transposed convolution's output image, whose
// column positions are the input's pixels, from the sizes its contract checked.
func convTransposeGeometry(g nn.ConvGeometry) geometry {
	return geometry(g.TransposedColumns())
}

// ConvTranspose2DForward implements nn.Backend: per block of images, col (O·K·K, nb·H·W) =
// Wᵀ · x (C, nb·H·W), then the columns are summed into the output image.
func (b *Backend) ConvTranspose2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConvTranspose2DForward(out, x, w, bias, p)
	must(err)
	g := convTransposeGeometry(cg)
	c, k := cg.C, g.rows()
	if g.wholeImage() { // out (N, O·K·K) = x (N, C) · W (C, O·K·K)
		gemm.Sgemm(false, false, g.N, k, c, 1, x.Host, c, w.Host, k, 0, out.Host, k)
	} else {
		np, nb := g.OH*g.OW, g.block(c)
		xt := b.work(1, c*nb*np)  // (C, nb·H·W)
		col := b.work(0, k*nb*np) // (O·K·K, nb·H·W)
		for n0 := 0; n0 < g.N; n0 += nb {
			m := min(nb, g.N-n0)
			b.toChannelMajor(xt, x.Host[n0*c*np:], m, c, np)
			gemm.Sgemm(true, false, k, m*np, c, 1, w.Host, k, xt, m*np, 0, col, m*np)
			b.col2im(out.Host[n0*g.C*g.H*g.W:], col, g, m, m*np)
		}
	}
	if bias != nil {
		b.addBias(out.Host, bias.Host, g.N, g.C, g.H*g.W)
	}
}

// ConvTranspose2DBackward implements nn.Backend: per block of images, col = im2col(dout),
// dW += x · colᵀ and dx = W · col.
func (b *Backend) ConvTranspose2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConvTranspose2DBackward(dx, dw, db, dout, x, w, p)
	must(err)
	g := convTransposeGeometry(cg)
	c, k := cg.C, g.rows()
	if db != nil {
		b.addChannelSums(db.Host, dout.Host, g.N, g.C, g.H*g.W)
	}
	if g.wholeImage() {
		if dw != nil { // dW (C, O·K·K) += xᵀ · dout
			gemm.Sgemm(true, false, c, k, g.N, 1, x.Host, c, dout.Host, k, 1, dw.Host, k)
		}
		if dx != nil { // dx (N, C) = dout (N, O·K·K) · Wᵀ
			gemm.Sgemm(false, true, g.N, c, k, 1, dout.Host, k, w.Host, k, 0, dx.Host, c)
		}
		return
	}
	np, nb := g.OH*g.OW, g.block(c)
	col := b.work(0, k*nb*np) // (O·K·K, nb·H·W)
	xt := b.work(1, c*nb*np)  // (C, nb·H·W), x's block, then dx's
	for n0 := 0; n0 < g.N; n0 += nb {
		m := min(nb, g.N-n0)
		b.im2col(col, dout.Host[n0*g.C*g.H*g.W:], g, m, m*np)
		if dw != nil {
			b.toChannelMajor(xt, x.Host[n0*c*np:], m, c, np)
			gemm.Sgemm(false, true, c, k, m*np, 1, xt, m*np, col, m*np, 1, dw.Host, k)
		}
		if dx != nil {
			gemm.Sgemm(false, false, c, m*np, k, 1, w.Host, k, col, m*np, 0, xt, m*np)
			b.fromChannelMajor(dx.Host[n0*c*np:], xt, nil, m, c, np)
		}
	}
}
