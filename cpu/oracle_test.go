package cpu_test

import (
	"fmt"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// The oracle tests build the same computations with gorgonia in float64 and differentiate
// them symbolically (gorgonia.Grad, run on a TapeMachine): an implementation that shares no
// code and no derivation with gogan's hand-written backward passes.

// tolOracle bounds NMSE between gogan's float32 results and gorgonia's float64 ones from the
// same float32-exact inputs. float32 rounding leaves ~1e-14 (measured worst 8e-14, in the
// large GEMMs of TestOracleLargeGEMM); a wrong index, sign or missing term gives 1e-3 or
// more.
const tolOracle = 1e-10

// oracle is a gorgonia graph under construction; a failed construction fails the test.
type oracle struct {
	t    *testing.T
	g    *G.ExprGraph
	read []*G.Value
}

func newOracle(t *testing.T) *oracle { return &oracle{t: t, g: G.NewGraph()} }

// must unwraps a node, failing the test on a construction error.
func (o *oracle) must(n *G.Node, err error) *G.Node {
	o.t.Helper()
	if err != nil {
		o.t.Fatalf("gorgonia: %v", err)
	}
	return n
}

// input is a float64 tensor node holding a copy of v.
func (o *oracle) input(name string, v []float64, shape ...int) *G.Node {
	val := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...)))
	return G.NewTensor(o.g, tensor.Float64, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(val))
}

// perChannel reshapes a (C) node to (1, C, 1, ...) with dims dimensions, for broadcasting.
func (o *oracle) perChannel(n *G.Node, dims int) *G.Node {
	shape := make(tensor.Shape, dims)
	for i := range shape {
		shape[i] = 1
	}
	shape[1] = n.Shape()[0]
	return o.must(G.Reshape(n, shape))
}

// broadcastAxes lists every axis but the channel axis 1.
func broadcastAxes(dims int) []byte {
	var axes []byte
	for i := 0; i < dims; i++ {
		if i != 1 {
			axes = append(axes, byte(i))
		}
	}
	return axes
}

// addPerChannel is y + b[c], for b of shape (C).
func (o *oracle) addPerChannel(y, b *G.Node) *G.Node {
	d := y.Dims()
	return o.must(G.BroadcastAdd(y, o.perChannel(b, d), nil, broadcastAxes(d)))
}

// watch records n's value when the graph runs; values returns them in order.
func (o *oracle) watch(n *G.Node) {
	v := new(G.Value)
	G.Read(n, v)
	o.read = append(o.read, v)
}

// run differentiates loss with respect to wrt, runs the graph and returns the watched values
// followed by the gradients, as float64 slices.
func (o *oracle) run(loss *G.Node, wrt ...*G.Node) [][]float64 {
	o.t.Helper()
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		o.t.Fatalf("gorgonia.Grad: %v", err)
	}
	for _, g := range grads {
		o.watch(g)
	}
	m := G.NewTapeMachine(o.g)
	defer m.Close()
	if err := m.RunAll(); err != nil {
		o.t.Fatalf("gorgonia run: %v", err)
	}
	out := make([][]float64, len(o.read))
	for i, v := range o.read {
		switch d := (*v).Data().(type) {
		case []float64:
			out[i] = append([]float64(nil), d...)
		case float64:
			out[i] = []float64{d}
		default:
			o.t.Fatalf("gorgonia value %d holds %T", i, d)
		}
	}
	return out
}

// dotLoss is Σ dout·y, the scalar whose gradients the backward passes compute.
func (o *oracle) dotLoss(y *G.Node, dout []float64) *G.Node {
	d := o.input("dout", dout, y.Shape()...)
	return o.must(G.Sum(o.must(G.HadamardProd(y, d))))
}

// compareOracle checks gogan's results against gorgonia's, name by name.
func compareOracle(t *testing.T, names []string, got [][]float32, want [][]float64) {
	t.Helper()
	for i, name := range names {
		nntest.CheckNMSE(t, name+" vs gorgonia", nntest.To64(got[i]), want[i], tolOracle)
	}
}

func TestOracleLinear(t *testing.T) {
	const n, in, o = 4, 6, 3
	rng := nntest.NewRand(500)
	x, w, bias := nntest.Randn(rng, n*in, 1), nntest.Randn(rng, o*in, 1), nntest.Randn(rng, o, 1)
	dout := nntest.Randn(rng, n*o, 1)

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
}

// TestOracleConv2d checks gorgonia's conventions at the same time: its Conv2d takes the
// PyTorch weight layout (O, C, kh, kw), symmetric padding {ph, pw} and stride {sh, sw}, and
// computes a cross-correlation, so the forward outputs agree as well as the gradients.
func TestOracleConv2d(t *testing.T) {
	for i, s := range []nntest.ConvShape{
		nntest.NewConvShape(2, 3, 4, 7, 6, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}, true),
		nntest.NewConvShape(2, 2, 3, 8, 6, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, true),
		nntest.NewConvShape(1, 3, 2, 5, 7, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 0}, false),
		nntest.NewConvShape(2, 2, 2, 4, 4, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, true),
	} {
		t.Run(s.String(), func(t *testing.T) {
			rng := nntest.NewRand(uint64(510 + i))
			x := nntest.Randn(rng, s.N*s.C*s.H*s.W, 1)
			w := nntest.Randn(rng, s.O*s.C*s.Kernel*s.Kernel, 1)
			bias := nntest.Randn(rng, s.O, 1)
			ho, wo := s.ConvOut(s.H), s.ConvOut(s.W)
			dout := nntest.Randn(rng, s.N*s.O*ho*wo, 1)

			g := newOracle(t)
			xn := g.input("x", x, s.N, s.C, s.H, s.W)
			wn := g.input("w", w, s.O, s.C, s.Kernel, s.Kernel)
			y := g.must(G.Conv2d(xn, wn, tensor.Shape{s.Kernel, s.Kernel}, []int{s.Pad, s.Pad}, []int{s.Stride, s.Stride}, nil))
			wrt := []*G.Node{xn, wn}
			if s.Bias {
				bn := g.input("b", bias, s.O)
				y = g.addPerChannel(y, bn)
				wrt = append(wrt, bn)
			}
			g.watch(y)
			want := g.run(g.dotLoss(y, dout), wrt...)

			b := cpu.New()
			xt, wt := nntest.TensorOf(b, x, s.N, s.C, s.H, s.W), nntest.TensorOf(b, w, s.O, s.C, s.Kernel, s.Kernel)
			var bt, db *nn.Tensor
			if s.Bias {
				bt, db = nntest.TensorOf(b, bias, s.O), b.New(s.O)
			}
			out, dx, dw := b.New(s.N, s.O, ho, wo), b.New(xt.Shape...), b.New(wt.Shape...)
			b.Conv2DForward(out, xt, wt, bt, s.ConvParams)
			b.Conv2DBackward(dx, dw, db, nntest.TensorOf(b, dout, out.Shape...), xt, wt, s.ConvParams)
			got := [][]float32{out.Host, dx.Host, dw.Host}
			names := []string{"out", "dx", "dw"}
			if s.Bias {
				got, names = append(got, db.Host), append(names, "db")
			}
			compareOracle(t, names, got, want)
		})
	}
}

// batchNorm builds training-mode BatchNorm of x (N, C, ...) from gorgonia's primitives: the
// batch mean and the biased variance over every axis but 1, then (x−μ)/√(σ²+ε)·w + b.
func (o *oracle) batchNorm(x, w, b *G.Node, eps float64) *G.Node {
	d := x.Dims()
	axes := broadcastAxes(d)
	along := make([]int, len(axes))
	for i, a := range axes {
		along[i] = int(a)
	}
	mean := o.must(G.Mean(x, along...))
	xc := o.must(G.BroadcastSub(x, o.perChannel(mean, d), nil, axes))
	variance := o.must(G.Mean(o.must(G.Square(xc)), along...))
	// 1/√v as Inverse(Sqrt(v)): gorgonia v0.9.18's InverseSqrt has a wrong derivative,
	// −dy/(2y³) where −dy·y³/2 is right.
	invStd := o.must(G.Inverse(o.must(G.Sqrt(o.must(G.Add(variance, G.NewConstant(eps)))))))
	xhat := o.must(G.BroadcastHadamardProd(xc, o.perChannel(invStd, d), nil, axes))
	y := o.must(G.BroadcastHadamardProd(xhat, o.perChannel(w, d), nil, axes))
	return o.addPerChannel(y, b)
}

// TestOracleBatchNorm checks training-mode BatchNorm on (N, C) and (N, C, H, W) twice: against
// the graph of primitives above, and against gorgonia's own BatchNorm op, whose training mode
// also normalises by the biased batch variance.
func TestOracleBatchNorm(t *testing.T) {
	const eps = 1e-5
	for i, shape := range [][]int{{6, 3}, {3, 2, 4, 5}} {
		for _, builtin := range []bool{false, true} {
			name := fmt.Sprintf("%v/primitives", nn.Shape(shape))
			if builtin {
				name = fmt.Sprintf("%v/BatchNormOp", nn.Shape(shape))
			}
			t.Run(name, func(t *testing.T) {
				n, c := shape[0], shape[1]
				size := nn.Shape(shape).Size()
				rng := nntest.NewRand(uint64(520 + i))
				x := nntest.Randn(rng, size, 2)
				for j := range x {
					x[j] = float64(float32(x[j] + float64(j*c/size) - 0.5))
				}
				w, bias, dout := nntest.Randn(rng, c, 1), nntest.Randn(rng, c, 1), nntest.Randn(rng, size, 1)

				g := newOracle(t)
				xn, wn, bn := g.input("x", x, shape...), g.input("w", w, c), g.input("b", bias, c)
				var y *G.Node
				if builtin {
					var err error
					y, _, _, _, err = G.BatchNorm(xn, g.perChannel(wn, len(shape)), g.perChannel(bn, len(shape)), 0.1, eps)
					g.must(y, err)
				} else {
					y = g.batchNorm(xn, wn, bn, eps)
				}
				g.watch(y)
				want := g.run(g.dotLoss(y, dout), xn, wn, bn)

				b := cpu.New()
				s := size / (n * c)
				xt, wt, bt := nntest.TensorOf(b, x, n, c, s), nntest.TensorOf(b, w, c), nntest.TensorOf(b, bias, c)
				out, dx, dw, db := b.New(n, c, s), b.New(n, c, s), b.New(c), b.New(c)
				mean, invStd, runMean, runVar := b.New(c), b.New(c), b.New(c), b.New(c)
				b.BatchNormForward(out, xt, wt, bt, runMean, runVar, mean, invStd, nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: eps})
				b.BatchNormBackward(dx, dw, db, nntest.TensorOf(b, dout, n, c, s), xt, wt, mean, invStd)
				compareOracle(t, []string{"out", "dx", "dweight", "dbias"}, [][]float32{out.Host, dx.Host, dw.Host, db.Host}, want)
			})
		}
	}
}

func TestOracleLeakyReLU(t *testing.T) {
	shape := []int{2, 3, 4, 5}
	size := nn.Shape(shape).Size()
	rng := nntest.NewRand(530)
	// Away from 0: gorgonia and gogan may differ on which side the kink's subgradient takes.
	x := nntest.AwayFromKinks(nntest.Randn(rng, size, 1), 0.05, 0)
	dout := nntest.Randn(rng, size, 1)

	g := newOracle(t)
	xn := g.input("x", x, shape...)
	y := g.must(G.LeakyRelu(xn, 0.2))
	g.watch(y)
	want := g.run(g.dotLoss(y, dout), xn)

	b := cpu.New()
	act := nn.Activation{Kind: nn.LeakyReLU, Slope: 0.2}
	xt := nntest.TensorOf(b, x, shape...)
	out, dx := b.New(shape...), b.New(shape...)
	b.ActivationForward(out, xt, act)
	b.ActivationBackward(dx, nntest.TensorOf(b, dout, shape...), xt, out, act)
	compareOracle(t, []string{"out", "dx"}, [][]float32{out.Host, dx.Host}, want)
}

// TestOracleSigmoidBCE checks the discriminator's non-saturating loss, binary cross-entropy
// of σ(logits) against 1 for real and 0 for fake samples, which gogan computes as the loss
// terms softplus(−x) and softplus(x) on the logits. gorgonia computes it literally, as
// −log σ(x) and −log(1−σ(x)), so the logits stay within ±12, where that form is still exact
// to ~1e-11 in float64.
func TestOracleSigmoidBCE(t *testing.T) {
	const n = 12
	rng := nntest.NewRand(540)
	real, fake := nntest.Randn(rng, n, 4), nntest.Randn(rng, n, 4)
	real[0], fake[0] = -12, 12 // confidently wrong: the largest gradients

	g := newOracle(t)
	bce := func(logits *G.Node, target float64) *G.Node {
		p := g.must(G.Sigmoid(logits))
		if target == 0 {
			p = g.must(G.Sub(G.NewConstant(1.0), p))
		}
		return g.must(G.Neg(g.must(G.Mean(g.must(G.Log(p))))))
	}
	rn, fn := g.input("real", real, n), g.input("fake", fake, n)
	lr, lf := bce(rn, 1), bce(fn, 0)
	g.watch(lr)
	g.watch(lf)
	want := g.run(g.must(G.Add(lr, lf)), rn, fn)

	b := cpu.New()
	rt, ft := nntest.TensorOf(b, real, n, 1), nntest.TensorOf(b, fake, n, 1)
	sr, sf, dr, df := b.New(3), b.New(3), b.New(n, 1), b.New(n, 1)
	b.LogitLoss(sr, dr, rt, nn.TermSoftplusNeg, 1)
	b.LogitLoss(sf, df, ft, nn.TermSoftplus, 1)
	compareOracle(t, []string{"loss on real", "loss on fake", "dlogits real", "dlogits fake"},
		[][]float32{sr.Host[:1], sf.Host[:1], dr.Host, df.Host}, want)
}
