package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

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

// TestSIMDMatchesGo runs each op that has an AVX-512 loop with and without it on the same
// inputs, whose lengths leave every tail length and whose values include zeros of both
// signs, infinities, NaN and subnormals: the results must be the same bits (any NaN for
// NaN), BatchNorm's to float32's rounding.
func TestSIMDMatchesGo(t *testing.T) {
	if !useAVX512 {
		t.Skip("this CPU has no AVX-512F (or the build is purego): only the Go loops run")
	}
	defer func() { useAVX512 = true }()
	rng := rand.New(rand.NewPCG(9, 10))
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	special := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, nan, 1e-40, -1e-40, 3e38, -3e38, 1, -1}
	fill := func(x *nn.Tensor, positive, finite bool) {
		for i := range x.Host {
			v := float32(rng.NormFloat64())
			if rng.IntN(8) == 0 && !finite {
				v = special[rng.IntN(len(special))]
			}
			if positive {
				v = float32(math.Abs(float64(v))) + 0.1
			}
			x.Host[i] = v
		}
	}
	type op struct {
		name    string
		tensors int
		run     func(b *Backend, ts []*nn.Tensor)
	}
	adam := nn.AdamParams{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, Step: 3}
	ops := []op{
		{"AdamStep", 4, func(b *Backend, ts []*nn.Tensor) { b.AdamStep(ts[0], ts[1], ts[2], ts[3], adam) }},
		{"BatchNorm", 9, func(b *Backend, ts []*nn.Tensor) {
			c, s := 3, ts[0].Len()/6
			v := func(i int) *nn.Tensor { return ts[i].View(0, 2, c, s) }
			per := func(i int) *nn.Tensor { return ts[i].View(0, c) }
			p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
			b.BatchNormForward(v(1), v(0), per(2), per(3), per(4), per(5), per(6), per(7), p)
			b.BatchNormBackward(v(8), nil, nil, v(1), v(0), per(2), per(6), per(7))
		}},
	}
	for _, a := range []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.LeakyReLU, Slope: 1}, {Kind: nn.Tanh}} {
		ops = append(ops,
			op{a.String() + "Forward", 2, func(b *Backend, ts []*nn.Tensor) { b.ActivationForward(ts[1], ts[0], a) }},
			op{a.String() + "Backward", 4, func(b *Backend, ts []*nn.Tensor) { b.ActivationBackward(ts[0], ts[1], ts[2], ts[3], a) }})
	}
	for _, o := range ops {
		for _, n := range []int{6, 12, 30, 96, 102, 16 * 6 * 7} {
			t.Run(fmt.Sprintf("%s/%d", o.name, n), func(t *testing.T) {
				b := New()
				ins := make([]*nn.Tensor, o.tensors)
				for i := range ins {
					ins[i] = b.New(n)
					// BatchNorm's statistics would spread one NaN over a whole channel.
					fill(ins[i], o.name == "AdamStep" && i == 3 || o.name == "BatchNorm" && i == 5, o.name == "BatchNorm")
				}
				var results [2][]*nn.Tensor
				for k, simd := range []bool{true, false} {
					useAVX512 = simd
					ts := make([]*nn.Tensor, len(ins))
					for i, x := range ins {
						ts[i] = b.New(n)
						copy(ts[i].Host, x.Host)
					}
					o.run(b, ts)
					results[k] = ts
				}
				// BatchNorm's float64 sums run in other orders, so its results may differ
				// in their last bit.
				tol := 0.0
				if o.name == "BatchNorm" {
					tol = 1e-6
				}
				for i := range ins {
					for j, v := range results[0][i].Host {
						w := results[1][i].Host[j]
						same := math.Float32bits(v) == math.Float32bits(w) || v != v && w != w
						if !same && !(math.Abs(float64(v-w)) <= tol*math.Abs(float64(w))) {
							t.Fatalf("tensor %d element %d: %g (%#x) with AVX-512, %g (%#x) in Go", i, j, v, math.Float32bits(v), w, math.Float32bits(w))
						}
					}
				}
			})
		}
	}
}

// TestSIMDSums compares the AVX-512 float64 sums of BatchNorm with the Go ones over every
// length up to 70.
func TestSIMDSums(t *testing.T) {
	if !useAVX512 {
		t.Skip("this CPU has no AVX-512F (or the build is purego): only the Go loops run")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	v, w := make([]float32, 70), make([]float32, 70)
	for i := range v {
		v[i], w[i] = float32(3+rng.NormFloat64()), float32(rng.NormFloat64())
	}
	close := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*(1+math.Abs(b)) }
	for n := range len(v) + 1 {
		a1, a2 := shiftedSumsAVX512(unsafe.SliceData(v), n, 2.5)
		g1, g2 := shiftedSums(v[:n], 2.5)
		b1, b2 := gradSumsAVX512(unsafe.SliceData(w), unsafe.SliceData(v), n, 3.25)
		h1, h2 := gradSums(w[:n], v[:n], 3.25)
		if !close(a1, g1) || !close(a2, g2) || !close(b1, h1) || !close(b2, h2) {
			t.Fatalf("n=%d: AVX-512 sums %g %g %g %g, Go %g %g %g %g", n, a1, a2, b1, b2, g1, g2, h1, h2)
		}
	}
}

// TestSIMDColumns compares the AVX-512 im2col and col2im of K = 4, S = 2 geometries with
// the Go loops: the same bits, but for the sign of zero sums.
func TestSIMDColumns(t *testing.T) {
	if !useAVX512 {
		t.Skip("this CPU has no AVX-512F (or the build is purego): only the Go loops run")
	}
	defer func() { useAVX512 = true }()
	rng := rand.New(rand.NewPCG(13, 14))
	b := New()
	for _, g := range convGeometries(rng) {
		if !g.fourByTwo() || g.OH < 1 || g.OW < 1 {
			continue
		}
		img := make([]float32, g.N*g.C*g.H*g.W)
		for i := range img {
			img[i] = float32(rng.NormFloat64())
		}
		var cols, imgs [2][]float32
		for k, simd := range []bool{true, false} {
			useAVX512 = simd
			cols[k] = make([]float32, g.rows()*g.cols())
			b.im2col(cols[k], img, g, g.N, g.cols())
			imgs[k] = make([]float32, len(img))
			b.col2im(imgs[k], cols[0], g, g.N, g.cols())
		}
		for k, pair := range [][2][]float32{cols, imgs} {
			for i, v := range pair[0] {
				if w := pair[1][i]; v != w && !(v != v && w != w) {
					t.Fatalf("%+v: %s element %d: %g with AVX-512, %g in Go", g, [2]string{"im2col", "col2im"}[k], i, v, w)
				}
			}
		}
	}
}
