package nntest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gogan/nn"
)

// The finite-difference checks. A backend computes in float32, so each check takes the
// scalar L = Σ dout·f(args) for a fixed random dout, sums it in float64, and differentiates
// it by central differences, (L(x+h) − L(x−h)) / (x₊ − x₋), where x₊ and x₋ are the float32
// values actually uploaded. Perturbing one element changes only the outputs that read it and
// every other output is recomputed bit for bit (every backend is deterministic), so the
// rounding error of a difference is that of a few float32 outputs: about |y|·6e-8/h. For the
// ops that are linear in each argument (Linear, the convolutions) the central difference has
// no truncation error at all; for the smooth nonlinear ones (BatchNorm, Tanh, Sigmoid) it
// has h²·f‴/6.

// FDStep is the central-difference step for O(1) inputs: large enough that float32 rounding
// of the outputs (≈6e-8 relative) costs ~1e-5 relative in the difference, small enough that
// the truncation error of the smooth ops stays ~1e-5 too.
const FDStep = 1e-2

// Tolerances on NMSE. A gradient element off by 1% in a tensor of a hundred gives NMSE ~1e-6,
// a transposed or mis-indexed gradient O(1), so each tolerance sits well below 1e-6 and well
// above the error that rounding and truncation leave (measured worst: see the tests' logs).
const (
	// TolLinearFD is for ops linear in each argument: only float32 rounding remains, measured
	// below 5e-10.
	TolLinearFD = 1e-8
	// TolSmoothFD adds the h² truncation of BatchNorm, Tanh and Sigmoid. Measured worst 1.3e-8:
	// a BatchNorm dweight of 0.10, a sum of a dozen terms of ~1 that nearly cancel, whose
	// difference carries the rounding of all of them (5e-5 absolute).
	TolSmoothFD = 1e-7
	// TolRepeat compares a backward pass with a repeat of itself: the same float32 arithmetic,
	// except that an accumulating GEMM may add in another order.
	TolRepeat = 1e-12
)

// Arg is one argument of an op under test. A parameter's gradient is accumulated (+=), an
// activation's overwritten (=), as the nn package documents.
type Arg struct {
	Name  string
	Shape []int
	Param bool
	Value []float64
}

// GradCall is one call of an op under test on a backend: Forward writes f(Args) into Out;
// Backward writes the gradients of Σ DOut·f into Grads, skipping nil entries, after a
// Forward at the same Args. Scratch holds the tensors of GradCase.Scratch, which live across
// calls (BatchNorm's statistics).
type GradCall struct {
	B                    nn.Backend
	Args, Grads, Scratch []*nn.Tensor
	Out, DOut            *nn.Tensor
}

// Arg returns argument i, or nil when the case has none (an absent bias).
func (c *GradCall) Arg(i int) *nn.Tensor { return optional(c.Args, i) }

// Grad returns gradient output i, or nil when it is not wanted or the case has no argument i.
func (c *GradCall) Grad(i int) *nn.Tensor { return optional(c.Grads, i) }

func optional(ts []*nn.Tensor, i int) *nn.Tensor {
	if i < len(ts) {
		return ts[i]
	}
	return nil
}

// GradCase is an op under test.
type GradCase struct {
	Name     string
	Args     []Arg
	Out      []int   // the output's shape
	Scratch  [][]int // shapes of tensors that live across calls
	Forward  func(c *GradCall)
	Backward func(c *GradCall)
	Tol      float64
}

// Gradcheck compares the backward pass of c on b with central differences of its forward,
// then checks the accumulation rule and that nil gradient outputs are skipped.
func Gradcheck(t testing.TB, b nn.Backend, c GradCase) {
	call := &GradCall{B: b, Args: make([]*nn.Tensor, len(c.Args)), Out: b.New(c.Out...)}
	made := []*nn.Tensor{call.Out}
	defer func() {
		for _, m := range made {
			b.Free(m)
		}
	}()
	for i, x := range c.Args {
		call.Args[i] = TensorOf(b, x.Value, x.Shape...)
		made = append(made, call.Args[i])
	}
	for _, s := range c.Scratch {
		call.Scratch = append(call.Scratch, b.New(s...))
		made = append(made, call.Scratch[len(call.Scratch)-1])
	}
	dout := Randn(NewRand(uint64(len(c.Name))), nn.Shape(c.Out).Size(), 1)
	call.DOut = TensorOf(b, dout, c.Out...)
	made = append(made, call.DOut)

	// analytic runs a forward at the args, then the backward into the wanted gradients.
	// Activation gradients start as NaN, so an element that backward leaves unwritten fails.
	analytic := func(want []bool, start [][]float64) [][]float64 {
		call.Grads = make([]*nn.Tensor, len(c.Args))
		for i, x := range c.Args {
			if !want[i] {
				continue
			}
			call.Grads[i] = b.New(x.Shape...)
			switch {
			case start != nil:
				b.Upload(call.Grads[i], To32(start[i]))
			case !x.Param:
				b.Fill(call.Grads[i], float32(math.NaN()))
			}
		}
		c.Forward(call)
		if err := catch(func() { c.Backward(call) }); err != nil {
			t.Errorf("backward with %s: %v", describeWanted(c.Args, want), err)
		}
		if err := b.Sync(); err != nil {
			t.Fatalf("backward with %s: %v", describeWanted(c.Args, want), err)
		}
		g := make([][]float64, len(c.Args))
		for i, d := range call.Grads {
			if d != nil {
				g[i] = Values(b, d)
				b.Free(d)
			}
		}
		return g
	}
	all := make([]bool, len(c.Args))
	for i := range all {
		all[i] = true
	}
	g0 := analytic(all, nil)
	for i, x := range c.Args {
		fd := centralDiff(call, c, dout, i)
		CheckNMSE(t, fmt.Sprintf("d%s vs finite differences", x.Name), g0[i], fd, c.Tol)
	}

	// A second backward from the first one's gradients: parameter gradients double, activation
	// gradients come out the same.
	second := analytic(all, g0)
	for i, x := range c.Args {
		want := g0[i]
		if x.Param {
			want = Scaled(g0[i], 2)
		}
		CheckNMSE(t, fmt.Sprintf("d%s after a second backward", x.Name), second[i], want, TolRepeat)
	}

	// One gradient at a time, the others nil: each is computed as before, and nothing fails.
	for i, x := range c.Args {
		only := make([]bool, len(c.Args))
		only[i] = true
		CheckNMSE(t, fmt.Sprintf("d%s alone", x.Name), analytic(only, nil)[i], g0[i], TolRepeat)
	}
	analytic(make([]bool, len(c.Args)), nil)
}

// centralDiff returns the central differences of Σ dout·f with respect to argument i,
// uploading the argument with one element moved at a time.
func centralDiff(call *GradCall, c GradCase, dout []float64, i int) []float64 {
	b, arg := call.B, call.Args[i]
	host := To32(c.Args[i].Value)
	out := make([]float32, call.Out.Len())
	loss := func() float64 {
		b.Upload(arg, host)
		c.Forward(call)
		b.Download(out, call.Out)
		return Dot(out, dout)
	}
	g := make([]float64, len(host))
	for j, x := range host {
		xp, xm := float32(float64(x)+FDStep), float32(float64(x)-FDStep)
		host[j] = xp
		lp := loss()
		host[j] = xm
		lm := loss()
		host[j] = x
		g[j] = (lp - lm) / (float64(xp) - float64(xm))
	}
	b.Upload(arg, host)
	return g
}

// describeWanted names the gradient outputs a backward call was given, "dx, nil dw" style.
func describeWanted(args []Arg, want []bool) string {
	var parts []string
	for i, x := range args {
		if want[i] {
			parts = append(parts, "d"+x.Name)
		} else {
			parts = append(parts, "nil d"+x.Name)
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
