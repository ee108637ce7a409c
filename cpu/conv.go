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

// wholeImage reports whether each kernel position covers a whole image: then the columns of
// an image are the image itself and the convolution is a Linear layer on flattened images,
// one GEMM on the tensors as they lie, with neither im2col nor a change of layout. The last
// layer of a DCGAN discriminator and the first of its generator are such.
func (g geometry) wholeImage() bool { return g.P == 0 && g.K == g.H && g.K == g.W }

// Conv2DForward implements nn.Backend: out (O, N·P) = W (O, C·K·K) · col (C·K·K, N·P), a
// block of images at a time.
func (b *Backend) Conv2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convGeometry("Conv2DForward", out, x, w, p)
	o, k := w.Shape[0], g.rows()
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
	g := convGeometry("Conv2DBackward", dout, x, w, p)
	o, k := w.Shape[0], g.rows()
	if dx != nil {
		checkShape("Conv2DBackward", "dx", dx, x.Shape...)
	}
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

// ConvTranspose2DForward implements nn.Backend: per block of images, col (O·K·K, nb·H·W) =
// Wᵀ · x (C, nb·H·W), then the columns are summed into the output image.
func (b *Backend) ConvTranspose2DForward(out, x, w, bias *nn.Tensor, p nn.ConvParams) {
	g := convTransposeGeometry("ConvTranspose2DForward", out, x, w, p)
	c, k := x.Shape[1], g.rows()
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
	g := convTransposeGeometry("ConvTranspose2DBackward", dout, x, w, p)
	c, k := x.Shape[1], g.rows()
	if db != nil {
		b.addChannelSums(db.Host, dout.Host, g.N, g.C, g.H*g.W)
	}
	if dx != nil {
		checkShape("ConvTranspose2DBackward", "dx", dx, x.Shape...)
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

// biasTask adds bias[c] to every element of channel c of x (N, C, S); a unit of work is one
// (n, c) plane.
type biasTask struct {
	x, bias []float32
	c, s    int
}

func (t *biasTask) Run(lo, hi int) {
	for u := lo; u < hi; u++ {
		bv := t.bias[u%t.c]
		row := t.x[u*t.s:][:t.s]
		for j := range row {
			row[j] += bv
		}
	}
}

func (b *Backend) addBias(x, bias []float32, n, c, s int) {
	t := &b.tasks.bias
	*t = biasTask{x: x, bias: bias, c: c, s: s}
	parallelFor(t, n*c, rowGrain(s))
}

// channelSumTask adds to db[c] the sum of x (N, C, S) over n and s, in float64 so that the
// sum does not depend on how large the batch is; a unit of work is one channel.
type channelSumTask struct {
	db, x   []float32
	n, c, s int
}

func (t *channelSumTask) Run(lo, hi int) {
	for ch := lo; ch < hi; ch++ {
		var sum float64
		for i := range t.n {
			sum += sum64(t.x[(i*t.c+ch)*t.s:][:t.s])
		}
		t.db[ch] += float32(sum)
	}
}

// sum64 is the float64 sum of v, in two chains so that the adds overlap.
func sum64(v []float32) float64 {
	var a, b float64
	j := 0
	for ; j+1 < len(v); j += 2 {
		a += float64(v[j])
		b += float64(v[j+1])
	}
	if j < len(v) {
		a += float64(v[j])
	}
	return a + b
}

func (b *Backend) addChannelSums(db, x []float32, n, c, s int) {
	t := &b.tasks.channelSum
	*t = channelSumTask{db: db, x: x, n: n, c: c, s: s}
	parallelFor(t, c, rowGrain(n*s))
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
	b.linearForward(out.Host, x.Host, w.Host, hostOrNil(bias), n, in, o)
}

// linearForward computes out (N, O) = x (N, I) · wᵀ (I, O) + bias, bias nil for none.
func (b *Backend) linearForward(out, x, w, bias []float32, n, in, o int) {
	gemm.Sgemm(false, true, n, o, in, 1, x, in, w, in, 0, out, o)
	if bias != nil {
		b.addBias(out, bias, n, o, 1)
	}
}

// LinearBackward implements nn.Backend.
func (b *Backend) LinearBackward(dx, dw, db, dout, x, w *nn.Tensor) {
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	checkShape("LinearBackward", "dout", dout, n, o)
	if dx != nil {
		checkShape("LinearBackward", "dx", dx, n, in)
	}
	b.linearBackward(hostOrNil(dx), hostOrNil(dw), hostOrNil(db), dout.Host, x.Host, w.Host, n, in, o)
}

// linearBackward computes dx = dout · w, dw += doutᵀ · x and db += Σ_n dout, each only when
// its slice is not nil.
func (b *Backend) linearBackward(dx, dw, db, dout, x, w []float32, n, in, o int) {
	if dw != nil {
		gemm.Sgemm(true, false, o, in, n, 1, dout, o, x, in, 1, dw, in)
	}
	if db != nil {
		b.addChannelSums(db, dout, n, o, 1)
	}
	if dx != nil {
		gemm.Sgemm(false, false, n, in, o, 1, dout, o, w, in, 0, dx, in)
	}
}
