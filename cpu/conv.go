package cpu

import (
	"gogan/gemm"
	"gogan/nn"
)

// convGeometry is the geometry of a convolution's input, from the sizes its contract checked.
func convGeometry(g nn.ConvGeometry) geometry {
	return geometry(g.Columns())
}

// wholeImage reports whether each kernel position covers a whole image: then the columns of
// an image are the image itself and the convolution is a Linear layer on flattened images,
// one GEMM on the tensors as they lie, with neither im2col nor a change of layout. The last
// layer of a DCGAN discriminator and the first of its generator are such.
func (g geometry) wholeImage() bool { return g.P == 0 && g.K == g.H && g.K == g.W }

// Conv2DForward implements nn.Backend: out (O, N·P) = W (O, C·K·K) · col (C·K·K, N·P), a
// block of images at a time.
func (b *Backend) Conv2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConv2DForward(out, x, w, bias, p)
	must(err)
	g := convGeometry(cg)
	o, k := cg.O, g.rows()
	if g.wholeImage() { // out (N, O) = x (N, C·K·K) · Wᵀ
		b.linearForward(out.Host, x.Host, w.Host, hostOrNil(bias), g.N, k, o)
		return
	}
	np, nb := g.OH*g.OW, g.block(o)
	col := b.work(0, k*nb*np) // (C·K·K, nb·OH·OW)
	tmp := b.work(1, o*nb*np) // (O, nb·OH·OW)
	for n0 := 0; n0 < g.N; n0 += nb {
		m := min(nb, g.N-n0)
		b.im2col(col, x.Host[n0*g.C*g.H*g.W:], g, m, m*np)
		gemm.Sgemm(false, false, o, m*np, k, 1, w.Host, k, col, m*np, 0, tmp, m*np)
		b.fromChannelMajor(out.Host[n0*o*np:], tmp, hostOrNil(bias), m, o, np)
	}
}

// Conv2DBackward implements nn.Backend: per block of images, dW += dout · colᵀ and
// dcol = Wᵀ · dout, which col2im sums into dx.
func (b *Backend) Conv2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	cg, err := nn.CheckConv2DBackward(dx, dw, db, dout, x, w, p)
	must(err)
	g := convGeometry(cg)
	o, k := cg.O, g.rows()
	if g.wholeImage() {
		b.linearBackward(hostOrNil(dx), hostOrNil(dw), hostOrNil(db), dout.Host, x.Host, w.Host, g.N, k, o)
		return
	}
	np, nb := g.OH*g.OW, g.block(o)
	if db != nil {
		b.addChannelSums(db.Host, dout.Host, g.N, o, np)
	}
	dt := b.work(1, o*nb*np)  // (O, nb·OH·OW)
	col := b.work(0, k*nb*np) // (C·K·K, nb·OH·OW)
	for n0 := 0; n0 < g.N; n0 += nb {
		m := min(nb, g.N-n0)
		b.toChannelMajor(dt, dout.Host[n0*o*np:], m, o, np)
		if dw != nil {
			b.im2col(col, x.Host[n0*g.C*g.H*g.W:], g, m, m*np)
			gemm.Sgemm(false, true, o, k, m*np, 1, dt, m*np, col, m*np, 1, dw.Host, k)
		}
		if dx != nil {
			gemm.Sgemm(true, false, k, m*np, o, 1, w.Host, k, dt, m*np, 0, col, m*np)
			b.col2im(dx.Host[n0*g.C*g.H*g.W:], col, g, m, m*np)
		}
	}
}

// blockFloats is the size of the columns of a block of images: they should stay in the
// last-level cache between im2col and the GEMM that reads them.
var blockFloats = 1 << 20

// block is the number of images whose columns a convolution forms at a time, for weights
// of other·C·K·K elements. A block's columns take about blockFloats, but every block
// repacks the weights, so a block spans at least twice as many column positions as the
// weights have rows.
func (g geometry) block(other int) int {
	np := g.OH * g.OW
	nb := max(blockFloats/(g.rows()*np), (2*other+np-1)/np, 1)
	if nb >= g.N {
		return g.N
	}
	blocks := (g.N + nb - 1) / nb
	return (g.N + blocks - 1) / blocks // even blocks
}
