package nn

import (
	"fmt"
	"slices"
)

// The shape contracts of the Backend methods, written once: every backend calls Check<Method>
// before it touches memory and panics with the error it returns (shapes are fixed when a
// network is built, so a violation is a broken invariant, not bad input). A contract checks
// every operand, its presence, rank and each dimension, and the parameters that sizes are
// computed from, so a backend reads sizes from the geometry it returns and never from an
// operand it has not checked. Limits of one backend's storage, such as the CUDA kernels'
// 32-bit indices, stay with that backend.
//
// The checks allocate nothing unless they fail: the messages are formatted on failure only,
// from copies of the wanted dimensions.

// ShapeError is an operand, or a parameter, that breaks a Backend method's contract.
type ShapeError struct {
	Op  string // the Backend method, "Conv2DForward"
	Msg string // what is wrong, "bias is (3), want (4)"
}

func (e *ShapeError) Error() string { return e.Op + ": " + e.Msg }

func shapeErrorf(op, format string, args ...any) error {
	return &ShapeError{Op: op, Msg: fmt.Sprintf(format, args...)}
}

// present checks that a required operand is given.
func present(op, name string, t *Tensor) error {
	if t == nil {
		return shapeErrorf(op, "%s is nil", name)
	}
	return nil
}

// shapeIs checks that t is given and of the wanted shape.
func shapeIs(op, name string, t *Tensor, want ...int) error {
	if t == nil {
		return shapeErrorf(op, "%s is nil, want %v", name, Shape(slices.Clone(want)))
	}
	if !t.Shape.Equal(want) {
		return shapeErrorf(op, "%s is %v, want %v", name, t.Shape, Shape(slices.Clone(want)))
	}
	return nil
}

// optionalShapeIs checks t's shape when t is given: a nil optional operand is not computed
// (a gradient) or not used (a bias).
func optionalShapeIs(op, name string, t *Tensor, want ...int) error {
	if t == nil {
		return nil
	}
	return shapeIs(op, name, t, want...)
}

// rankIs checks that t is given and has rank dimensions.
func rankIs(op, name string, t *Tensor, rank int) error {
	if err := present(op, name, t); err != nil {
		return err
	}
	if len(t.Shape) != rank {
		return shapeErrorf(op, "%s is %v, want %d dimensions", name, t.Shape, rank)
	}
	return nil
}

// lenIs checks that t is given and holds n elements, whatever its shape: the flat ops (the
// optimisers, copies) see a parameter arena or a batch as a run of values.
func lenIs(op, name string, t *Tensor, n int) error {
	if err := present(op, name, t); err != nil {
		return err
	}
	if t.Len() != n {
		return shapeErrorf(op, "%s is %v, want %d elements", name, t.Shape, n)
	}
	return nil
}

// firstError returns the first non-nil error, so that a contract reads as a list of checks.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// CheckNew is New's contract: no dimension is negative.
func CheckNew(shape ...int) error {
	for _, d := range shape {
		if d < 0 {
			return shapeErrorf("New", "negative dimension in %v", Shape(slices.Clone(shape)))
		}
	}
	return nil
}

// CheckTransfer is the contract of Upload and Download (op): t holds the n values of the host
// slice.
func CheckTransfer(op string, t *Tensor, n int) error { return lenIs(op, "tensor", t, n) }

// CheckFill is Fill's and Clamp's contract (op): the tensor is given.
func CheckFill(op string, t *Tensor) error { return present(op, "tensor", t) }

// CheckCopy is Copy's contract: dst holds as many values as src.
func CheckCopy(dst, src *Tensor) error {
	if err := present("Copy", "src", src); err != nil {
		return err
	}
	return lenIs("Copy", "dst", dst, src.Len())
}

// CheckActivationForward is ActivationForward's contract; it returns the number of elements.
func CheckActivationForward(out, x *Tensor, a Activation) (int, error) {
	const op = "ActivationForward"
	if err := firstError(present(op, "x", x), knownActivation(op, a)); err != nil {
		return 0, err
	}
	return x.Len(), shapeIs(op, "out", out, x.Shape...)
}

// CheckActivationBackward is ActivationBackward's contract; it returns the number of
// elements. dx may be nil (nothing to compute); x and out are both required, as the
// derivative is taken from x or from the saved out depending on the activation.
func CheckActivationBackward(dx, dout, x, out *Tensor, a Activation) (int, error) {
	const op = "ActivationBackward"
	if err := firstError(present(op, "dout", dout), knownActivation(op, a)); err != nil {
		return 0, err
	}
	s := dout.Shape
	return dout.Len(), firstError(
		optionalShapeIs(op, "dx", dx, s...),
		shapeIs(op, "x", x, s...),
		shapeIs(op, "out", out, s...))
}

func knownActivation(op string, a Activation) error {
	switch a.Kind {
	case ReLU, LeakyReLU, Tanh, Sigmoid:
		return nil
	}
	return shapeErrorf(op, "unknown activation %v", a)
}

// CheckLogitLoss is LogitLoss's contract: logits (N) or (N, 1), stats (3), dlogits nil or of
// the logits' shape, a known loss term. It returns N.
func CheckLogitLoss(stats, dlogits, logits *Tensor, f LossTerm) (int, error) {
	const op = "LogitLoss"
	if err := present(op, "logits", logits); err != nil {
		return 0, err
	}
	s := logits.Shape
	if len(s) != 1 && (len(s) != 2 || s[1] != 1) {
		return 0, shapeErrorf(op, "logits is %v, want (N) or (N, 1)", s)
	}
	if f < TermSoftplusNeg || f > TermIdentity {
		return 0, shapeErrorf(op, "unknown loss term %d", int(f))
	}
	return s[0], firstError(shapeIs(op, "stats", stats, 3), optionalShapeIs(op, "dlogits", dlogits, s...))
}

// CheckAdamStep is AdamStep's contract: grads, m and v hold as many values as params, and the
// step number counts from 1 (the bias corrections divide by 1−β^step). It returns that number.
func CheckAdamStep(params, grads, m, v *Tensor, p AdamParams) (int, error) {
	const op = "AdamStep"
	if err := present(op, "params", params); err != nil {
		return 0, err
	}
	n := params.Len()
	if err := firstError(lenIs(op, "grads", grads, n), lenIs(op, "m", m, n), lenIs(op, "v", v, n)); err != nil {
		return 0, err
	}
	if p.Step < 1 {
		return 0, shapeErrorf(op, "step %d, want 1 or more", p.Step)
	}
	return n, nil
}

// CheckEMAUpdate is EMAUpdate's contract: x holds as many values as avg. It returns that
// number.
func CheckEMAUpdate(avg, x *Tensor) (int, error) {
	const op = "EMAUpdate"
	if err := present(op, "avg", avg); err != nil {
		return 0, err
	}
	return avg.Len(), lenIs(op, "x", x, avg.Len())
}
