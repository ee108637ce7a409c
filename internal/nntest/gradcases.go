package nntest

import (
	"fmt"

	"gogan/nn"
)

// GradCases are the finite-difference cases of every op with a backward pass: Linear, the
// convolutions, BatchNorm and the activations, at small sizes and awkward geometries.
func GradCases() []GradCase {
	var cases []GradCase
	cases = append(cases, linearCases()...)
	cases = append(cases, convCases()...)
	cases = append(cases, convTransposeCases()...)
	cases = append(cases, batchNormCases()...)
	cases = append(cases, activationCases()...)
	cases = append(cases, augmentCases()...)
	return cases
}

func linearCases() []GradCase {
	var cases []GradCase
	for _, bias := range []bool{true, false} {
		n, in, o := 3, 5, 4
		rng := NewRand(1)
		args := []Arg{
			{Name: "x", Shape: []int{n, in}, Value: Randn(rng, n*in, 1)},
			{Name: "w", Shape: []int{o, in}, Param: true, Value: Randn(rng, o*in, 1)},
		}
		if bias {
			args = append(args, Arg{Name: "b", Shape: []int{o}, Param: true, Value: Randn(rng, o, 1)})
		}
		cases = append(cases, GradCase{
			Name: fmt.Sprintf("Linear(%d,%d,bias=%v)", in, o, bias),
			Args: args,
			Out:  []int{n, o},
			Forward: func(c *GradCall) {
				c.B.LinearForward(c.Out, c.Args[0], c.Args[1], c.Arg(2))
			},
			Backward: func(c *GradCall) {
				c.B.LinearBackward(c.Grad(0), c.Grad(1), c.Grad(2), c.DOut, c.Args[0], c.Args[1])
			},
			Tol: TolLinearFD,
		})
	}
	return cases
}

// ConvShape is one convolution geometry: a batch of N (C, H, W) images, O output channels.
type ConvShape struct {
	N, C, O, H, W int
	nn.ConvParams
	Bias bool
}

// NewConvShape returns the ConvShape of its arguments, for tables of them in other packages.
func NewConvShape(n, c, o, h, w int, p nn.ConvParams, bias bool) ConvShape {
	return ConvShape{N: n, C: c, O: o, H: h, W: w, ConvParams: p, Bias: bias}
}

func (s ConvShape) String() string {
	return fmt.Sprintf("N%d_C%d_O%d_%dx%d_k%d_s%d_p%d_op%d_bias=%v", s.N, s.C, s.O, s.H, s.W, s.Kernel, s.Stride, s.Pad, s.OutputPad, s.Bias)
}

// convArgs draws x (N, C, H, W), the weight of the given shape and the bias (O).
func (s ConvShape) convArgs(seed uint64, wshape []int) []Arg {
	rng := NewRand(seed)
	args := []Arg{
		{Name: "x", Shape: []int{s.N, s.C, s.H, s.W}, Value: Randn(rng, s.N*s.C*s.H*s.W, 1)},
		{Name: "w", Shape: wshape, Param: true, Value: Randn(rng, nn.Shape(wshape).Size(), 1)},
	}
	if s.Bias {
		args = append(args, Arg{Name: "b", Shape: []int{s.O}, Param: true, Value: Randn(rng, s.O, 1)})
	}
	return args
}

func convCases() []GradCase {
	shapes := []ConvShape{
		{2, 3, 4, 7, 6, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}, true},
		{2, 3, 4, 7, 6, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, true},
		{2, 2, 3, 8, 6, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false}, // DCGAN discriminator
		{2, 3, 2, 4, 4, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, true},  // DCGAN last layer, 1×1 out
		{1, 2, 3, 6, 7, nn.ConvParams{Kernel: 5, Stride: 1, Pad: 0}, true},
		{2, 2, 2, 5, 7, nn.ConvParams{Kernel: 3, Stride: 3, Pad: 2}, false},
		{2, 4, 3, 5, 3, nn.ConvParams{Kernel: 1, Stride: 1, Pad: 0}, true},
		{3, 1, 2, 6, 5, nn.ConvParams{Kernel: 2, Stride: 2, Pad: 0}, true}, // odd width drops a column
	}
	return convFamilyCases("Conv2d_", 100, shapes, false)
}

func convTransposeCases() []GradCase {
	shapes := []ConvShape{
		{2, 3, 2, 3, 4, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}, false},               // DCGAN generator
		{2, 3, 2, 3, 3, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1, OutputPad: 1}, false}, // dcgan28, 7 → 14
		{3, 4, 3, 1, 1, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}, false},               // DCGAN first layer, z → 4×4
		{2, 2, 3, 3, 5, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, true},
		{2, 3, 2, 4, 3, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 1}, true},
		{2, 2, 2, 4, 5, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}, true},
		{1, 2, 3, 3, 2, nn.ConvParams{Kernel: 5, Stride: 3, Pad: 2, OutputPad: 2}, true},
	}
	return convFamilyCases("ConvTranspose2d_", 200, shapes, true)
}

// convFamilyCases checks the convolution, or the transposed one, of each shape; the inputs
// of case i are seeded with seed+i.
func convFamilyCases(prefix string, seed uint64, shapes []ConvShape, transposed bool) []GradCase {
	var cases []GradCase
	for i, s := range shapes {
		c := GradCase{Name: prefix + s.String(), Tol: TolLinearFD}
		if transposed {
			c.Args = s.convArgs(seed+uint64(i), []int{s.C, s.O, s.Kernel, s.Kernel})
			c.Out = []int{s.N, s.O, s.ConvTransposeOut(s.H), s.ConvTransposeOut(s.W)}
			c.Forward = func(c *GradCall) {
				c.B.ConvTranspose2DForward(c.Out, c.Args[0], c.Args[1], c.Arg(2), s.ConvParams)
			}
			c.Backward = func(c *GradCall) {
				c.B.ConvTranspose2DBackward(c.Grad(0), c.Grad(1), c.Grad(2), c.DOut, c.Args[0], c.Args[1], s.ConvParams)
			}
		} else {
			c.Args = s.convArgs(seed+uint64(i), []int{s.O, s.C, s.Kernel, s.Kernel})
			c.Out = []int{s.N, s.O, s.ConvOut(s.H), s.ConvOut(s.W)}
			c.Forward = func(c *GradCall) {
				c.B.Conv2DForward(c.Out, c.Args[0], c.Args[1], c.Arg(2), s.ConvParams)
			}
			c.Backward = func(c *GradCall) {
				c.B.Conv2DBackward(c.Grad(0), c.Grad(1), c.Grad(2), c.DOut, c.Args[0], c.Args[1], s.ConvParams)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// batchNormCases are training-mode BatchNorm on (N, C) and (N, C, H, W), as the layer views
// them: (N, C, S) with S = 1 and S = H·W. The inputs have a mean and spread of their own per
// channel, so that centring and scaling both matter. The statistics live across calls, in
// Scratch: backward reads those of the last forward.
func batchNormCases() []GradCase {
	var cases []GradCase
	for i, sh := range [][3]int{{5, 3, 1}, {2, 3, 6}, {3, 2, 4}} {
		n, c, s := sh[0], sh[1], sh[2]
		rng := NewRand(uint64(300 + i))
		x := Randn(rng, n*c*s, 2)
		for j := range x {
			x[j] = float64(float32(x[j] + float64(j/s%c) - 1))
		}
		w := Randn(rng, c, 0.5)
		for j := range w {
			w[j] = float64(float32(w[j] + 1))
		}
		p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
		cases = append(cases, GradCase{
			Name: fmt.Sprintf("BatchNorm_N%d_C%d_S%d", n, c, s),
			Args: []Arg{
				{Name: "x", Shape: []int{n, c, s}, Value: x},
				{Name: "weight", Shape: []int{c}, Param: true, Value: w},
				{Name: "bias", Shape: []int{c}, Param: true, Value: Randn(rng, c, 1)},
			},
			Out:     []int{n, c, s},
			Scratch: [][]int{{c}, {c}, {c}, {c}}, // saveMean, saveInvStd, runningMean, runningVar
			Forward: func(k *GradCall) {
				st := k.Scratch
				k.B.BatchNormForward(k.Out, k.Args[0], k.Args[1], k.Args[2], st[2], st[3], st[0], st[1], p)
			},
			Backward: func(k *GradCall) {
				k.B.BatchNormBackward(k.Grad(0), k.Grad(1), k.Grad(2), k.DOut, k.Args[0], k.Args[1], k.Scratch[0], k.Scratch[1])
			},
			Tol: TolSmoothFD,
		})
	}
	return cases
}

// activationCases keep every input at least 0.05 from ReLU's and LeakyReLU's kink at 0,
// five steps away, so that no difference straddles it.
func activationCases() []GradCase {
	acts := []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.Tanh}, {Kind: nn.Sigmoid}}
	var cases []GradCase
	for i, act := range acts {
		shape := []int{2, 3, 4, 5}
		x := AwayFromKinks(Randn(NewRand(uint64(400+i)), nn.Shape(shape).Size(), 1.5), 5*FDStep, 0)
		tol := TolLinearFD
		if act.Kind == nn.Tanh || act.Kind == nn.Sigmoid {
			tol = TolSmoothFD
		}
		cases = append(cases, GradCase{
			Name: act.String(),
			Args: []Arg{{Name: "x", Shape: shape, Value: x}},
			Out:  shape,
			Forward: func(c *GradCall) {
				c.B.ActivationForward(c.Out, c.Args[0], act)
			},
			Backward: func(c *GradCall) {
				c.B.ActivationBackward(c.Grad(0), c.DOut, c.Args[0], c.Out, act)
			},
			Tol: tol,
		})
	}
	return cases
}
