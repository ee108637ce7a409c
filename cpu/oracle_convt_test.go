package cpu_test

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// TestOracleConvTranspose2d checks the transposed convolution against gorgonia, which has no
// such op, through the identity that defines it: with A the convolution by w (C, O, K, K) of
// an (O, Ho, Wo) image, the transposed convolution is Aᵀ. So for L = Σ x·A(z),
//
//	∂L/∂z = Aᵀx = ConvTranspose2d(x, w)         (gogan's forward output)
//	A(z)  with z = dout is ConvTranspose2d's dx (gogan's input gradient)
//	∂L/∂w with z = dout is ConvTranspose2d's dw
//
// and gorgonia computes all three from one convolution graph. The output padding only adds
// rows and columns that the convolution of z reads but that no input pixel of Aᵀ reaches, so
// the identity holds for it too (⌊(Ho + 2p − K)/s⌋ + 1 = H while outputPad < stride).
// The largest case is DCGAN-sized, so that the GEMM runs several full cache blocks.
func TestOracleConvTranspose2d(t *testing.T) {
	for i, s := range []nntest.ConvShape{
		nntest.NewConvShape(2, 3, 2, 3, 4, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, true),
		nntest.NewConvShape(2, 3, 2, 3, 3, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1, OutputPad: 1}, true),
		nntest.NewConvShape(3, 4, 3, 1, 1, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, false),
		nntest.NewConvShape(1, 2, 3, 3, 2, nn.ConvParams{Kernel: 5, Stride: 3, Pad: 2, OutputPad: 2}, true),
		nntest.NewConvShape(4, 40, 24, 7, 7, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, true), // C·K·K = 640 > 256, GEMM's KC
	} {
		t.Run(s.String(), func(t *testing.T) {
			ho, wo := s.ConvTransposeOut(s.H), s.ConvTransposeOut(s.W)
			rng := nntest.NewRand(uint64(550 + i))
			x := nntest.Randn(rng, s.N*s.C*s.H*s.W, 1)
			w := nntest.Randn(rng, s.C*s.O*s.Kernel*s.Kernel, 1)
			bias := nntest.Randn(rng, s.O, 1)
			dout := nntest.Randn(rng, s.N*s.O*ho*wo, 1)

			g := newOracle(t)
			zn := g.input("z", dout, s.N, s.O, ho, wo)
			wn := g.input("w", w, s.C, s.O, s.Kernel, s.Kernel)
			a := g.must(G.Conv2d(zn, wn, tensor.Shape{s.Kernel, s.Kernel}, []int{s.Pad, s.Pad}, []int{s.Stride, s.Stride}, nil))
			if got := a.Shape(); !nn.Shape(got).Equal(nn.Shape{s.N, s.C, s.H, s.W}) {
				t.Fatalf("gorgonia's convolution of %v is %v, want %v", zn.Shape(), got, nn.Shape{s.N, s.C, s.H, s.W})
			}
			g.watch(a)
			res := g.run(g.dotLoss(a, x), zn, wn) // A(dout), Aᵀx, ∂L/∂w
			want := [][]float64{res[1], res[0], res[2]}
			names := []string{"out (no bias)", "dx", "dw"}

			b := cpu.New()
			xt, wt := nntest.TensorOf(b, x, s.N, s.C, s.H, s.W), nntest.TensorOf(b, w, s.C, s.O, s.Kernel, s.Kernel)
			out, dx, dw := b.New(s.N, s.O, ho, wo), b.New(xt.Shape...), b.New(wt.Shape...)
			b.ConvTranspose2DForward(out, xt, wt, nil, s.ConvParams)
			var db *nn.Tensor
			if s.Bias {
				db = b.New(s.O)
			}
			b.ConvTranspose2DBackward(dx, dw, db, nntest.TensorOf(b, dout, out.Shape...), xt, wt, s.ConvParams)
			got := [][]float32{out.Host, dx.Host, dw.Host}
			if s.Bias {
				// The bias terms are plain sums: out + b[o] and db[o] = Σ dout over n, h, w.
				withBias := b.New(out.Shape...)
				b.ConvTranspose2DForward(withBias, xt, wt, nntest.TensorOf(b, bias, s.O), s.ConvParams)
				shifted, sums := make([]float64, out.Len()), make([]float64, s.O)
				for j := range shifted {
					o := j / (ho * wo) % s.O
					shifted[j] = res[1][j] + bias[o]
					sums[o] += dout[j]
				}
				got = append(got, withBias.Host, db.Host)
				want = append(want, shifted, sums)
				names = append(names, "out", "db")
			}
			compareOracle(t, names, got, want)
		})
	}
}

// TestOracleLargeGEMM runs Linear and Conv2d at sizes where the inner dimension of the
// forward's and the weight gradient's GEMMs spans several of the GEMM's 256-deep blocks, and
// every GEMM ends in partial register tiles.
func TestOracleLargeGEMM(t *testing.T) {
	t.Run("Linear(300,50)", func(t *testing.T) {
		const n, in, o = 260, 300, 50
		rng := nntest.NewRand(560)
		x, w, bias, dout := nntest.Randn(rng, n*in, 1), nntest.Randn(rng, o*in, 1), nntest.Randn(rng, o, 1), nntest.Randn(rng, n*o, 1)
		g := newOracle(t)
		xn, wn, bn := g.input("x", x, n, in), g.input("w", w, o, in), g.input("b", bias, o)
		xw := g.must(G.Mul(xn, g.must(G.Transpose(wn))))
		y := g.must(G.BroadcastAdd(xw, g.must(G.Reshape(bn, tensor.Shape{1, o})), nil, []byte{0}))
		g.watch(y)
		want := g.run(g.dotLoss(y, dout), xn, wn, bn)

		b := cpu.New()
		xt, wt, bt := nntest.TensorOf(b, x, n, in), nntest.TensorOf(b, w, o, in), nntest.TensorOf(b, bias, o)
		out, dx, dw, db := b.New(n, o), b.New(n, in), b.New(o, in), b.New(o)
		b.LinearForward(out, xt, wt, bt)
		b.LinearBackward(dx, dw, db, nntest.TensorOf(b, dout, n, o), xt, wt)
		compareOracle(t, []string{"out", "dx", "dw", "db"}, [][]float32{out.Host, dx.Host, dw.Host, db.Host}, want)
	})
	t.Run("Conv2d(40,26,k4,s2,p1)_18x18", func(t *testing.T) {
		s := nntest.NewConvShape(4, 40, 26, 18, 18, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false)
		rng := nntest.NewRand(561)
		ho, wo := s.ConvOut(s.H), s.ConvOut(s.W)
		x, w := nntest.Randn(rng, s.N*s.C*s.H*s.W, 1), nntest.Randn(rng, s.O*s.C*s.Kernel*s.Kernel, 1)
		dout := nntest.Randn(rng, s.N*s.O*ho*wo, 1)
		g := newOracle(t)
		xn := g.input("x", x, s.N, s.C, s.H, s.W)
		wn := g.input("w", w, s.O, s.C, s.Kernel, s.Kernel)
		y := g.must(G.Conv2d(xn, wn, tensor.Shape{s.Kernel, s.Kernel}, []int{s.Pad, s.Pad}, []int{s.Stride, s.Stride}, nil))
		g.watch(y)
		want := g.run(g.dotLoss(y, dout), xn, wn)

		b := cpu.New()
		xt, wt := nntest.TensorOf(b, x, s.N, s.C, s.H, s.W), nntest.TensorOf(b, w, s.O, s.C, s.Kernel, s.Kernel)
		out, dx, dw := b.New(s.N, s.O, ho, wo), b.New(xt.Shape...), b.New(wt.Shape...)
		b.Conv2DForward(out, xt, wt, nil, s.ConvParams)
		b.Conv2DBackward(dx, dw, nil, nntest.TensorOf(b, dout, out.Shape...), xt, wt, s.ConvParams)
		compareOracle(t, []string{"out", "dx", "dw"}, [][]float32{out.Host, dx.Host, dw.Host}, want)
	})
}
