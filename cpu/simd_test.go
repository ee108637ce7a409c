package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"gogan/nn"
)

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
