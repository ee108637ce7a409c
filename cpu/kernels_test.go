package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gogan/nn"
)

// TestTanh32 sweeps float32 densely from 1e-8 to 30, both signs, and the special values,
// against math.Tanh: the relative error must stay within 1e-6, and in fact stays within
// float32's half unit.
func TestTanh32(t *testing.T) {
	worst, at := 0.0, float32(0)
	check := func(x float32) {
		got, want := float64(tanh32(x)), math.Tanh(float64(x))
		if e := math.Abs(got-want) / math.Abs(want); e > worst || math.IsNaN(e) {
			worst, at = e, x
		}
	}
	lo, hi := math.Float32bits(1e-8), math.Float32bits(30)
	n := 0
	for u := lo; u <= hi; u += 61 {
		x := math.Float32frombits(u)
		check(x)
		check(-x)
		n += 2
	}
	t.Logf("%d values: worst relative error %.3g at %g", n, worst, at)
	if !(worst <= 1e-6) {
		t.Errorf("tanh32(%g) = %g, math.Tanh gives %g: relative error %.3g above 1e-6",
			at, tanh32(at), math.Tanh(float64(at)), worst)
	}
	inf := float32(math.Inf(1))
	for _, c := range []struct{ x, want float32 }{{0, 0}, {inf, 1}, {-inf, -1}, {100, 1}, {-100, -1}, {1e-40, 1e-40}} {
		if got := tanh32(c.x); got != c.want {
			t.Errorf("tanh32(%g) = %g, want %g", c.x, got, c.want)
		}
	}
	if got := tanh32(float32(math.Copysign(0, -1))); got != 0 || !math.Signbit(float64(got)) {
		t.Errorf("tanh32(−0) = %g, want −0", got)
	}
	if got := tanh32(float32(math.NaN())); !math.IsNaN(float64(got)) {
		t.Errorf("tanh32(NaN) = %g, want NaN", got)
	}
}

// TestPositive checks the mask of the ReLU family's derivative on the edges of the float32
// range: it must be all ones exactly where x > 0 is true.
func TestPositive(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-45, 1, -1, math.MaxFloat32,
		-math.MaxFloat32, inf, -inf, nan, -nan} {
		want := uint32(0)
		if x > 0 {
			want = ^uint32(0)
		}
		if got := positive(math.Float32bits(x)); got != want {
			t.Errorf("positive(%g = %#x) = %#x, want %#x", x, math.Float32bits(x), got, want)
		}
	}
}

// naiveIm2col is the definition of im2col, one pixel at a time.
func naiveIm2col(img []float32, g geometry) []float32 {
	col := make([]float32, g.rows()*g.cols())
	for c := range g.C {
		for ki := range g.K {
			for kj := range g.K {
				r := (c*g.K+ki)*g.K + kj
				for n := range g.N {
					for oh := range g.OH {
						for ow := range g.OW {
							ih, iw := oh*g.S-g.P+ki, ow*g.S-g.P+kj
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								col[r*g.cols()+(n*g.OH+oh)*g.OW+ow] = img[((n*g.C+c)*g.H+ih)*g.W+iw]
							}
						}
					}
				}
			}
		}
	}
	return col
}

// naiveCol2im is the definition of col2im, in float64.
func naiveCol2im(col []float32, g geometry) []float64 {
	img := make([]float64, g.N*g.C*g.H*g.W)
	for c := range g.C {
		for ki := range g.K {
			for kj := range g.K {
				r := (c*g.K+ki)*g.K + kj
				for n := range g.N {
					for oh := range g.OH {
						for ow := range g.OW {
							ih, iw := oh*g.S-g.P+ki, ow*g.S-g.P+kj
							if ih >= 0 && ih < g.H && iw >= 0 && iw < g.W {
								img[((n*g.C+c)*g.H+ih)*g.W+iw] += float64(col[r*g.cols()+(n*g.OH+oh)*g.OW+ow])
							}
						}
					}
				}
			}
		}
	}
	return img
}

// convGeometries are the models' geometries and others that reach every edge case: kernels
// wider than the image, padding wider than the kernel reaches, strides that skip pixels.
func convGeometries(rng *rand.Rand) []geometry {
	gs := []geometry{
		{N: 3, C: 2, H: 28, W: 28, K: 4, S: 2, P: 1}, {N: 2, C: 3, H: 14, W: 14, K: 4, S: 2, P: 1},
		{N: 2, C: 3, H: 7, W: 7, K: 4, S: 2, P: 1}, {N: 2, C: 3, H: 3, W: 3, K: 3, S: 1, P: 0},
		{N: 2, C: 3, H: 4, W: 4, K: 4, S: 1, P: 0}, {N: 2, C: 2, H: 7, W: 7, K: 3, S: 2, P: 1},
		{N: 2, C: 2, H: 8, W: 8, K: 4, S: 2, P: 1}, {N: 1, C: 1, H: 1, W: 1, K: 4, S: 1, P: 3},
	}
	for range 40 {
		k, s := 1+rng.IntN(5), 1+rng.IntN(3)
		p := rng.IntN(k + 1)
		h, w := max(1, k-2*p)+rng.IntN(9), max(1, k-2*p)+rng.IntN(9)
		gs = append(gs, geometry{N: 1 + rng.IntN(3), C: 1 + rng.IntN(3), H: h, W: w, K: k, S: s, P: p})
	}
	for i := range gs {
		g := &gs[i]
		g.OH, g.OW = (g.H+2*g.P-g.K)/g.S+1, (g.W+2*g.P-g.K)/g.S+1
	}
	return gs
}

// TestIm2colCol2im compares the kernels with their definitions: im2col bit for bit, col2im
// to float32's rounding of a sum of at most K² terms, both over the whole batch and with a
// wider row stride, as the blocked convolutions use them.
func TestIm2colCol2im(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	b := New()
	for _, g := range convGeometries(rng) {
		if g.OH < 1 || g.OW < 1 {
			continue
		}
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			img := make([]float32, g.N*g.C*g.H*g.W)
			for i := range img {
				img[i] = float32(rng.NormFloat64())
			}
			want := naiveIm2col(img, g)
			for _, pad := range []int{0, 5} {
				ld := g.cols() + pad
				col := make([]float32, g.rows()*ld)
				for i := range col {
					col[i] = float32(math.NaN()) // every element must be written
				}
				b.im2col(col, img, g, g.N, ld)
				for r := range g.rows() {
					for j := range g.cols() {
						if got, w := col[r*ld+j], want[r*g.cols()+j]; got != w {
							t.Fatalf("ld %d: im2col row %d column %d = %g, want %g", ld, r, j, got, w)
						}
					}
				}
				gotImg := make([]float32, len(img))
				for i := range gotImg {
					gotImg[i] = float32(math.NaN())
				}
				b.col2im(gotImg, col, g, g.N, ld)
				wantImg := naiveCol2im(want, g)
				for i, w := range wantImg {
					if d := math.Abs(float64(gotImg[i]) - w); !(d <= 1e-6*float64(g.K*g.K)*(1+math.Abs(w))) {
						t.Fatalf("ld %d: col2im pixel %d = %g, want %g", ld, i, gotImg[i], w)
					}
				}
			}
		})
	}
}

// TestConvBlocks runs the convolutions with the columns of one or two images at a time and
// of the whole batch at once: outputs and input gradients must agree bit for bit, since
// every output element sums the same terms in the same order, and weight gradients, whose
// sums the blocks split, to float32's rounding.
func TestConvBlocks(t *testing.T) {
	defer func(f int) { blockFloats = f }(blockFloats)
	rng := rand.New(rand.NewPCG(7, 8))
	randT := func(b *Backend, shape ...int) *nn.Tensor {
		x := b.New(shape...)
		for i := range x.Host {
			x.Host[i] = float32(rng.NormFloat64())
		}
		return x
	}
	for _, c := range []struct {
		n, c, o, size int
		p             nn.ConvParams
		transposed    bool
	}{
		{7, 3, 2, 8, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false},
		{5, 2, 3, 7, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, false},
		{6, 3, 2, 4, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, true},
		{5, 2, 3, 4, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1, OutputPad: 0}, true},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			b := New()
			k := c.p.Kernel
			x := randT(b, c.n, c.c, c.size, c.size)
			var w, out *nn.Tensor
			if c.transposed {
				s := c.p.ConvTransposeOut(c.size)
				w, out = randT(b, c.c, c.o, k, k), b.New(c.n, c.o, s, s)
			} else {
				s := c.p.ConvOut(c.size)
				w, out = randT(b, c.o, c.c, k, k), b.New(c.n, c.o, s, s)
			}
			bias, dout := randT(b, c.o), randT(b, out.Shape...)
			run := func() (y, dx, dw, db []float32) {
				y1, dx1, dw1, db1 := b.New(out.Shape...), b.New(x.Shape...), b.New(w.Shape...), b.New(c.o)
				if c.transposed {
					b.ConvTranspose2DForward(y1, x, w, bias, c.p)
					b.ConvTranspose2DBackward(dx1, dw1, db1, dout, x, w, c.p)
				} else {
					b.Conv2DForward(y1, x, w, bias, c.p)
					b.Conv2DBackward(dx1, dw1, db1, dout, x, w, c.p)
				}
				return y1.Host, dx1.Host, dw1.Host, db1.Host
			}
			blockFloats = 1 << 30
			y, dx, dw, db := run()
			blockFloats = 1
			g, other := geometry{N: c.n, C: c.c, H: c.size, W: c.size, K: k, S: c.p.Stride, P: c.p.Pad}, c.o
			g.OH, g.OW = out.Shape[2], out.Shape[3]
			if c.transposed {
				g, other = geometry{N: c.n, C: c.o, H: out.Shape[2], W: out.Shape[3], OH: c.size, OW: c.size, K: k, S: c.p.Stride, P: c.p.Pad}, c.c
			}
			if nb := g.block(other); nb >= c.n {
				t.Fatalf("blocks of %d images for a batch of %d", nb, c.n)
			}
			yb, dxb, dwb, dbb := run()
			for _, s := range []struct {
				name      string
				got, want []float32
				tol       float64
			}{{"output", yb, y, 0}, {"dx", dxb, dx, 0}, {"dw", dwb, dw, 1e-5}, {"db", dbb, db, 0}} {
				for i := range s.want {
					if d := math.Abs(float64(s.got[i] - s.want[i])); d > s.tol*(1+math.Abs(float64(s.want[i]))) {
						t.Fatalf("%s[%d]: %g in blocks, %g in one", s.name, i, s.got[i], s.want[i])
					}
				}
			}
		})
	}
}
