package cpu

import (
	"gogan/cpu/gemm"
	"gogan/nn"
)

// convGeometry checks a convolution's shapes and returns the geometry of its input.
func convGeometry(op string, out, x, w *nn.Tensor, p nn.ConvParams) geometry {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o := w.Shape[0]
	checkShape(op, "weight", w, o, c, p.Kernel, p.Kernel)
	checkShape(op, "output", out, n, o, p.ConvOut(h), p.ConvOut(wd))
	return geometry{N: n, C: c, H: h, W: wd, OH: p.ConvOut(h), OW: p.ConvOut(wd), K: p.Kernel, S: p.Stride, P: p.Pad}
}

// Conv2DForward implements nn.Backend: out (O, N·P) = W (O, C·K·K) · col (C·K·K, N·P).
func (b *Backend) Conv2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convGeometry("Conv2DForward", out, x, w, p)
	o, k, cols := w.Shape[0], g.rows(), g.cols()
	col := b.work(0, k*cols) // (C·K·K, N·OH·OW)
	im2col(col, x.Host, g)
	tmp := b.work(1, o*cols) // (O, N·OH·OW)
	gemm.Sgemm(false, false, o, cols, k, 1, w.Host, k, col, cols, 0, tmp, cols)
	fromChannelMajor(out.Host, tmp, hostOrNil(bias), g.N, o, g.OH*g.OW)
}

// Conv2DBackward implements nn.Backend.
func (b *Backend) Conv2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	g := convGeometry("Conv2DBackward", dout, x, w, p)
	o, k, cols := w.Shape[0], g.rows(), g.cols()
	dt := b.work(1, o*cols) // (O, N·OH·OW)
	toChannelMajor(dt, dout.Host, g.N, o, g.OH*g.OW)
	if db != nil {
		addChannelSums(db.Host, dout.Host, g.N, o, g.OH*g.OW)
	}
	col := b.work(0, k*cols) // (C·K·K, N·OH·OW)
	if dw != nil {
		im2col(col, x.Host, g)
		gemm.Sgemm(false, true, o, k, cols, 1, dt, cols, col, cols, 1, dw.Host, k)
	}
	if dx != nil {
		checkShape("Conv2DBackward", "dx", dx, x.Shape...)
		gemm.Sgemm(true, false, k, cols, o, 1, w.Host, k, dt, cols, 0, col, cols)
		col2im(dx.Host, col, g)
	}
}

// convTransposeGeometry checks a transposed convolution's shapes and returns the geometry of
// its output image, whose column positions are the input's pixels.
func convTransposeGeometry(op string, out, x, w *nn.Tensor, p nn.ConvParams) geometry {
	n, c, h, wd := x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]
	o := w.Shape[1]
	checkShape(op, "weight", w, c, o, p.Kernel, p.Kernel)
	ho, wo := p.ConvTransposeOut(h), p.ConvTransposeOut(wd)
	checkShape(op, "output", out, n, o, ho, wo)
	return geometry{N: n, C: o, H: ho, W: wo, OH: h, OW: wd, K: p.Kernel, S: p.Stride, P: p.Pad}
}

// ConvTranspose2DForward implements nn.Backend: col (O·K·K, N·H·W) = Wᵀ · x (C, N·H·W), then
// the columns are summed into the output image.
func (b *Backend) ConvTranspose2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convTransposeGeometry("ConvTranspose2DForward", out, x, w, p)
	c, k, cols := x.Shape[1], g.rows(), g.cols()
	xt := b.work(1, c*cols) // (C, N·H·W)
	toChannelMajor(xt, x.Host, g.N, c, g.OH*g.OW)
	col := b.work(0, k*cols) // (O·K·K, N·H·W)
	gemm.Sgemm(true, false, k, cols, c, 1, w.Host, k, xt, cols, 0, col, cols)
	col2im(out.Host, col, g)
	if bias != nil {
		addBias(out.Host, bias.Host, g.N, g.C, g.H*g.W)
	}
}

// ConvTranspose2DBackward implements nn.Backend.
func (b *Backend) ConvTranspose2DBackward(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams) {
	g := convTransposeGeometry("ConvTranspose2DBackward", dout, x, w, p)
	c, k, cols := x.Shape[1], g.rows(), g.cols()
	if db != nil {
		addChannelSums(db.Host, dout.Host, g.N, g.C, g.H*g.W)
	}
	col := b.work(0, k*cols) // (O·K·K, N·H·W)
	im2col(col, dout.Host, g)
	if dw != nil {
		xt := b.work(1, c*cols) // (C, N·H·W)
		toChannelMajor(xt, x.Host, g.N, c, g.OH*g.OW)
		gemm.Sgemm(false, true, c, k, cols, 1, xt, cols, col, cols, 1, dw.Host, k)
	}
	if dx != nil {
		checkShape("ConvTranspose2DBackward", "dx", dx, x.Shape...)
		dxt := b.work(2, c*cols) // (C, N·H·W)
		gemm.Sgemm(false, false, c, cols, k, 1, w.Host, k, col, cols, 0, dxt, cols)
		fromChannelMajor(dx.Host, dxt, nil, g.N, c, g.OH*g.OW)
	}
}

// addBias adds bias[c] to every element of channel c of x (N, C, S).
func addBias(x, bias []float32, n, c, s int) {
	parallelFor(n*c, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			bv := bias[i%c]
			row := x[i*s : (i+1)*s]
			for j := range row {
				row[j] += bv
			}
		}
	})
}

func hostOrNil(t *nn.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Host
}

// LinearForward implements nn.Backend.
func (b *Backend) LinearForward(out, x, w, bias *nn.Tensor) {
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	checkShape("LinearForward", "weight", w, o, in)
	checkShape("LinearForward", "output", out, n, o)
	gemm.Sgemm(false, true, n, o, in, 1, x.Host, in, w.Host, in, 0, out.Host, o)
	if bias != nil {
		addBias(out.Host, bias.Host, n, o, 1)
	}
}

// LinearBackward implements nn.Backend.
func (b *Backend) LinearBackward(dx, dw, db, dout, x, w *nn.Tensor) {
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	checkShape("LinearBackward", "dout", dout, n, o)
	if dw != nil {
		gemm.Sgemm(true, false, o, in, n, 1, dout.Host, o, x.Host, in, 1, dw.Host, in)
	}
	if db != nil {
		addChannelSums(db.Host, dout.Host, n, o, 1)
	}
	if dx != nil {
		checkShape("LinearBackward", "dx", dx, n, in)
		gemm.Sgemm(false, false, n, in, o, 1, dout.Host, o, w.Host, in, 0, dx.Host, in)
	}
}
