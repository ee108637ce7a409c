package cpu_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// The finite-difference checks. The backend computes in float32, so each check takes the
// scalar L = Σ dout·f(args) for a fixed random dout, sums it in float64, and differentiates
// it by central differences, (L(x+h) − L(x−h)) / (x₊ − x₋), where x₊ and x₋ are the float32
// values actually uploaded. Perturbing one element changes only the outputs that read it and
// every other output is recomputed bit for bit, so the rounding error of a difference is that
// of a few float32 outputs: about |y|·6e-8/h. For the ops that are linear in each argument
// (Linear, the convolutions) the central difference has no truncation error at all; for the
// smooth nonlinear ones (BatchNorm, Tanh, Sigmoid) it has h²·f‴/6.

// fdStep is the central-difference step for O(1) inputs: large enough that float32 rounding
// of the outputs (≈6e-8 relative) costs ~1e-5 relative in the difference, small enough that
// the truncation error of the smooth ops stays ~1e-5 too.
const fdStep = 1e-2

// Tolerances on NMSE. A gradient element off by 1% in a tensor of a hundred gives NMSE ~1e-6,
// a transposed or mis-indexed gradient O(1), so each tolerance sits well below 1e-6 and well
// above the error that rounding and truncation leave (measured worst: see TestGradcheck's log).
const (
	// tolLinearFD is for ops linear in each argument: only float32 rounding remains, measured
	// below 5e-10.
	tolLinearFD = 1e-8
	// tolSmoothFD adds the h² truncation of BatchNorm, Tanh and Sigmoid. Measured worst 1.3e-8:
	// a BatchNorm dweight of 0.10, a sum of a dozen terms of ~1 that nearly cancel, whose
	// difference carries the rounding of all of them (5e-5 absolute).
	tolSmoothFD = 1e-7
	// tolRepeat compares a backward pass with a repeat of itself: the same float32 arithmetic,
	// except that an accumulating GEMM may add in another order.
	tolRepeat = 1e-12
)

// arg is one argument of an op under test. A parameter's gradient is accumulated (+=), an
// activation's overwritten (=), as the nn package documents.
type arg struct {
	name  string
	shape []int
	param bool
	value []float64
}

// opCase is an op under test. forward returns f(args); backward writes the gradients of
// Σ dout·f into d, skipping nil entries, after a forward at the same args whose output is out.
type opCase struct {
	name     string
	args     []arg
	forward  func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor
	backward func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor)
	tol      float64
}

func TestGradcheck(t *testing.T) {
	var cases []opCase
	cases = append(cases, linearCases()...)
	cases = append(cases, convCases()...)
	cases = append(cases, convTransposeCases()...)
	cases = append(cases, batchNormCases()...)
	cases = append(cases, activationCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runGradcheck(t, c) })
	}
}

// runGradcheck compares the backward pass of c with central differences of its forward, then
// checks the accumulation rule and that nil gradient outputs are skipped.
func runGradcheck(t *testing.T, c opCase) {
	b := cpu.New()
	a := make([]*nn.Tensor, len(c.args))
	for i, x := range c.args {
		a[i] = tensorOf(b, x.value, x.shape...)
	}
	out := c.forward(b, a)
	dout := randn(newRand(uint64(len(c.name))), out.Len(), 1)
	doutT := tensorOf(b, dout, out.Shape...)

	// analytic runs a forward at the args, then the backward into the wanted gradients.
	// Activation gradients start as NaN, so an element that backward leaves unwritten fails.
	analytic := func(want []bool, start [][]float64) []*nn.Tensor {
		d := make([]*nn.Tensor, len(a))
		for i, x := range c.args {
			if !want[i] {
				continue
			}
			d[i] = b.New(x.shape...)
			switch {
			case start != nil:
				b.Upload(d[i], to32(start[i]))
			case !x.param:
				b.Fill(d[i], float32(math.NaN()))
			}
		}
		out := c.forward(b, a)
		if err := catch(func() { c.backward(b, d, doutT, out, a) }); err != nil {
			t.Errorf("backward with %s: %v", describeWanted(c.args, want), err)
		}
		return d
	}
	all := make([]bool, len(a))
	for i := range all {
		all[i] = true
	}
	first := analytic(all, nil)
	g0 := make([][]float64, len(a))
	for i, x := range c.args {
		g0[i] = to64(first[i].Host)
		fd := centralDiff(b, c, a, dout, i)
		checkNMSE(t, fmt.Sprintf("d%s vs finite differences", x.name), g0[i], fd, c.tol)
	}

	// A second backward from the first one's gradients: parameter gradients double, activation
	// gradients come out the same.
	second := analytic(all, g0)
	for i, x := range c.args {
		want := g0[i]
		if x.param {
			want = scaled(g0[i], 2)
		}
		checkNMSE(t, fmt.Sprintf("d%s after a second backward", x.name), to64(second[i].Host), want, tolRepeat)
	}

	// One gradient at a time, the others nil: each is computed as before, and nothing fails.
	for i, x := range c.args {
		only := make([]bool, len(a))
		only[i] = true
		d := analytic(only, nil)
		checkNMSE(t, fmt.Sprintf("d%s alone", x.name), to64(d[i].Host), g0[i], tolRepeat)
	}
	analytic(make([]bool, len(a)), nil)
}

// describeWanted names the gradient outputs a backward call was given, "dx, nil dw" style.
func describeWanted(args []arg, want []bool) string {
	var parts []string
	for i, x := range args {
		if want[i] {
			parts = append(parts, "d"+x.name)
		} else {
			parts = append(parts, "nil d"+x.name)
		}
	}
	return strings.Join(parts, ", ")
}

// catch runs fn and returns its panic as an error, so that one op that panics fails its own
// subtest and the others still run.
func catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	fn()
	return nil
}

// centralDiff returns the central differences of Σ dout·f with respect to argument i.
func centralDiff(b *cpu.Backend, c opCase, a []*nn.Tensor, dout []float64, i int) []float64 {
	h := a[i].Host
	g := make([]float64, len(h))
	for j, x := range h {
		xp, xm := float32(float64(x)+fdStep), float32(float64(x)-fdStep)
		h[j] = xp
		lp := dot(c.forward(b, a).Host, dout)
		h[j] = xm
		lm := dot(c.forward(b, a).Host, dout)
		h[j] = x
		g[j] = (lp - lm) / (float64(xp) - float64(xm))
	}
	return g
}

// optional returns a[i], or nil when the case has no argument i (an absent bias).
func optional(a []*nn.Tensor, i int) *nn.Tensor {
	if i < len(a) {
		return a[i]
	}
	return nil
}

func linearCases() []opCase {
	var cases []opCase
	for _, bias := range []bool{true, false} {
		n, in, o := 3, 5, 4
		rng := newRand(1)
		args := []arg{
			{name: "x", shape: []int{n, in}, value: randn(rng, n*in, 1)},
			{name: "w", shape: []int{o, in}, param: true, value: randn(rng, o*in, 1)},
		}
		if bias {
			args = append(args, arg{name: "b", shape: []int{o}, param: true, value: randn(rng, o, 1)})
		}
		cases = append(cases, opCase{
			name: fmt.Sprintf("Linear(%d,%d,bias=%v)", in, o, bias),
			args: args,
			forward: func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor {
				out := b.New(n, o)
				b.LinearForward(out, a[0], a[1], optional(a, 2))
				return out
			},
			backward: func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor) {
				b.LinearBackward(d[0], d[1], optional(d, 2), dout, a[0], a[1])
			},
			tol: tolLinearFD,
		})
	}
	return cases
}

// convShape is one convolution geometry: a batch of N (C, H, W) images, O output channels.
type convShape struct {
	N, C, O, H, W int
	nn.ConvParams
	Bias bool
}

func (s convShape) String() string {
	return fmt.Sprintf("N%d_C%d_O%d_%dx%d_k%d_s%d_p%d_op%d_bias=%v", s.N, s.C, s.O, s.H, s.W, s.Kernel, s.Stride, s.Pad, s.OutputPad, s.Bias)
}

// convArgs draws x (N, C, H, W), the weight of the given shape and the bias (O).
func (s convShape) convArgs(seed uint64, wshape []int) []arg {
	rng := newRand(seed)
	args := []arg{
		{name: "x", shape: []int{s.N, s.C, s.H, s.W}, value: randn(rng, s.N*s.C*s.H*s.W, 1)},
		{name: "w", shape: wshape, param: true, value: randn(rng, nn.Shape(wshape).Size(), 1)},
	}
	if s.Bias {
		args = append(args, arg{name: "b", shape: []int{s.O}, param: true, value: randn(rng, s.O, 1)})
	}
	return args
}

func convCases() []opCase {
	shapes := []convShape{
		{2, 3, 4, 7, 6, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}, true},
		{2, 3, 4, 7, 6, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, true},
		{2, 2, 3, 8, 6, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false}, // DCGAN discriminator
		{2, 3, 2, 4, 4, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, true},  // DCGAN last layer, 1×1 out
		{1, 2, 3, 6, 7, nn.ConvParams{Kernel: 5, Stride: 1, Pad: 0}, true},
		{2, 2, 2, 5, 7, nn.ConvParams{Kernel: 3, Stride: 3, Pad: 2}, false},
		{2, 4, 3, 5, 3, nn.ConvParams{Kernel: 1, Stride: 1, Pad: 0}, true},
		{3, 1, 2, 6, 5, nn.ConvParams{Kernel: 2, Stride: 2, Pad: 0}, true}, // odd width drops a column
	}
	var cases []opCase
	for i, s := range shapes {
		ho, wo := s.ConvOut(s.H), s.ConvOut(s.W)
		cases = append(cases, opCase{
			name: "Conv2d_" + s.String(),
			args: s.convArgs(uint64(100+i), []int{s.O, s.C, s.Kernel, s.Kernel}),
			forward: func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor {
				out := b.New(s.N, s.O, ho, wo)
				b.Conv2DForward(out, a[0], a[1], optional(a, 2), s.ConvParams)
				return out
			},
			backward: func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor) {
				b.Conv2DBackward(d[0], d[1], optional(d, 2), dout, a[0], a[1], s.ConvParams)
			},
			tol: tolLinearFD,
		})
	}
	return cases
}

func convTransposeCases() []opCase {
	shapes := []convShape{
		{2, 3, 2, 3, 4, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false},               // DCGAN generator
		{2, 3, 2, 3, 3, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1, OutputPad: 1}, false}, // dcgan28, 7 → 14
		{3, 4, 3, 1, 1, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, false},               // DCGAN first layer, z → 4×4
		{2, 2, 3, 3, 5, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, true},
		{2, 3, 2, 4, 3, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 1}, true},
		{2, 2, 2, 4, 5, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}, true},
		{1, 2, 3, 3, 2, nn.ConvParams{Kernel: 5, Stride: 3, Pad: 2, OutputPad: 2}, true},
	}
	var cases []opCase
	for i, s := range shapes {
		ho, wo := s.ConvTransposeOut(s.H), s.ConvTransposeOut(s.W)
		cases = append(cases, opCase{
			name: "ConvTranspose2d_" + s.String(),
			args: s.convArgs(uint64(200+i), []int{s.C, s.O, s.Kernel, s.Kernel}),
			forward: func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor {
				out := b.New(s.N, s.O, ho, wo)
				b.ConvTranspose2DForward(out, a[0], a[1], optional(a, 2), s.ConvParams)
				return out
			},
			backward: func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor) {
				b.ConvTranspose2DBackward(d[0], d[1], optional(d, 2), dout, a[0], a[1], s.ConvParams)
			},
			tol: tolLinearFD,
		})
	}
	return cases
}

// batchNormCases are training-mode BatchNorm on (N, C) and (N, C, H, W), as the layer views
// them: (N, C, S) with S = 1 and S = H·W. The inputs have a mean and spread of their own per
// channel, so that centring and scaling both matter.
func batchNormCases() []opCase {
	var cases []opCase
	for i, sh := range [][3]int{{5, 3, 1}, {2, 3, 6}, {3, 2, 4}} {
		n, c, s := sh[0], sh[1], sh[2]
		rng := newRand(uint64(300 + i))
		x := randn(rng, n*c*s, 2)
		for j := range x {
			x[j] = float64(float32(x[j] + float64(j/s%c) - 1))
		}
		w := randn(rng, c, 0.5)
		for j := range w {
			w[j] = float64(float32(w[j] + 1))
		}
		// The statistics live across calls: backward reads those of the last forward.
		alloc := cpu.New()
		saveMean, saveInvStd := alloc.New(c), alloc.New(c)
		runMean, runVar := alloc.New(c), alloc.New(c)
		p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
		cases = append(cases, opCase{
			name: fmt.Sprintf("BatchNorm_N%d_C%d_S%d", n, c, s),
			args: []arg{
				{name: "x", shape: []int{n, c, s}, value: x},
				{name: "weight", shape: []int{c}, param: true, value: w},
				{name: "bias", shape: []int{c}, param: true, value: randn(rng, c, 1)},
			},
			forward: func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor {
				out := b.New(n, c, s)
				b.BatchNormForward(out, a[0], a[1], a[2], runMean, runVar, saveMean, saveInvStd, p)
				return out
			},
			backward: func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor) {
				b.BatchNormBackward(d[0], d[1], d[2], dout, a[0], a[1], saveMean, saveInvStd)
			},
			tol: tolSmoothFD,
		})
	}
	return cases
}

// activationCases keep every input at least 0.05 from ReLU's and LeakyReLU's kink at 0,
// five steps away, so that no difference straddles it.
func activationCases() []opCase {
	acts := []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.Tanh}, {Kind: nn.Sigmoid}}
	var cases []opCase
	for i, act := range acts {
		shape := []int{2, 3, 4, 5}
		x := awayFromKinks(randn(newRand(uint64(400+i)), nn.Shape(shape).Size(), 1.5), 5*fdStep, 0)
		tol := tolLinearFD
		if act.Kind == nn.Tanh || act.Kind == nn.Sigmoid {
			tol = tolSmoothFD
		}
		cases = append(cases, opCase{
			name: act.String(),
			args: []arg{{name: "x", shape: shape, value: x}},
			forward: func(b *cpu.Backend, a []*nn.Tensor) *nn.Tensor {
				out := b.New(shape...)
				b.ActivationForward(out, a[0], act)
				return out
			},
			backward: func(b *cpu.Backend, d []*nn.Tensor, dout, out *nn.Tensor, a []*nn.Tensor) {
				b.ActivationBackward(d[0], dout, a[0], out, act)
			},
			tol: tol,
		})
	}
	return cases
}
