//go:build cuda

package cuda

import (
	"fmt"

	"gogan/nn"
)

// Convolutions run as one matrix multiply per layer over the whole batch, as in the CPU
// backend: im2col unfolds the image into columns (C·K·K, N·OH·OW), cuBLAS multiplies, and
// col2im folds columns back by gathering, one thread per pixel, so no atomics are needed and
// results are the same from run to run. The batch moves between (N, C, S) and the
// channel-major (C, N·S) layout that one GEMM covers.

// geometry relates an image (N, C, H, W) to the columns of a square-kernel convolution over
// it: column position (oh, ow) of kernel tap (ki, kj) reads pixel (oh·S−P+ki, ow·S−P+kj).
// For a convolution the image is its input; for a transposed convolution, its output.
type geometry struct {
	N, C, H, W int // image
	OH, OW     int // column positions
	K, S, P    int
}

// rows is the number of column rows, C·K·K; cols the number of columns, N·OH·OW.
func (g geometry) rows() int { return g.C * g.K * g.K }
func (g geometry) cols() int { return g.N * g.OH * g.OW }

func (b *Backend) im2col(col, img uintptr, g geometry) error {
	return b.im2colF32(b.grid(g.rows()*g.cols()), col, img, g.N, g.C, g.H, g.W, g.OH, g.OW, g.K, g.S, g.P)
}

// col2im sets img to the folded columns, plus bias (0 for none) per channel.
func (b *Backend) col2im(img, col, bias uintptr, g geometry) error {
	return b.col2imF32(b.grid(g.N*g.C*g.H*g.W), img, col, bias, g.N, g.C, g.H, g.W, g.OH, g.OW, g.K, g.S, g.P)
}

// toChannelMajor rearranges src (N, C, S) into dst (C, N·S).
func (b *Backend) toChannelMajor(dst, src uintptr, n, c, s int) error {
	return b.toChannelMajorF32(b.grid(n*c*s), dst, src, n, c, s)
}

// fromChannelMajor rearranges src (C, N·S) into dst (N, C, S), adding bias (0 for none).
func (b *Backend) fromChannelMajor(dst, src, bias uintptr, n, c, s int) error {
	return b.fromChannelMajorF32(b.grid(n*c*s), dst, src, bias, n, c, s)
}

// addChannelSums adds to out (C) the sums of x (N, C, S) over n and s.
func (b *Backend) addChannelSums(out, x uintptr, n, c, s int) error {
	return b.channelSumAddF32(c, out, x, n, c, s)
}

func dev(t *nn.Tensor) uintptr {
	if t == nil {
		return 0
	}
	return t.Device
}

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

// LinearForward implements nn.Backend.
func (b *Backend) LinearForward(out, x, w, bias *nn.Tensor) {
	checkRank("LinearForward", "input", x, 2)
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	checkShape("LinearForward", "weight", w, o, in)
	checkShape("LinearForward", "output", out, n, o)
	if bias != nil {
		checkShape("LinearForward", "bias", bias, o)
	}
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
	checkRank("LinearBackward", "input", x, 2)
	n, in, o := x.Shape[0], x.Shape[1], w.Shape[0]
	checkShape("LinearBackward", "weight", w, o, in)
	checkShape("LinearBackward", "dout", dout, n, o)
	if dx != nil {
		checkShape("LinearBackward", "dx", dx, n, in)
	}
	checkGrads("LinearBackward", dw, w, db, o)
	pdx, pdw, pdb, pdo, px, pw := dev(dx), dev(dw), dev(db), dout.Device, x.Device, w.Device
	b.enqueue("LinearBackward", func() error {
		if pdw != 0 {
			if err := b.gemm(true, false, o, in, n, 1, pdo, o, px, in, 1, pdw, in); err != nil {
				return err
			}
		}
		if pdb != 0 {
			if err := b.addChannelSums(pdb, pdo, n, o, 1); err != nil {
				return err
			}
		}
		if pdx == 0 {
			return nil
		}
		return b.gemm(false, false, n, in, o, 1, pdo, o, pw, in, 0, pdx, in)
	})
}

// checkGrads checks the shapes of the parameter gradients that are wanted.
func checkGrads(op string, dw, w, db *nn.Tensor, channels int) {
	if dw != nil {
		checkShape(op, "dw", dw, w.Shape...)
	}
	if db != nil {
		checkShape(op, "db", db, channels)
	}
}

func checkRank(op, name string, t *nn.Tensor, rank int) {
	if len(t.Shape) != rank {
		panic(fmt.Sprintf("cuda: %s: %s is %v, want %d dimensions", op, name, t.Shape, rank))
	}
}
