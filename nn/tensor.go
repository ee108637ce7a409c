package nn

import (
	"fmt"
	"strings"
)

// Shape lists a tensor's dimensions, outermost first: (N, C, H, W) for images.
type Shape []int

// Size is the number of elements, the product of the dimensions.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether two shapes have the same dimensions.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy that does not share memory with s.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Tensor is a dense float32 array owned by a backend. The CPU backend keeps its elements in
// Host; device backends keep a device address in Device and leave Host nil. A Tensor may be a
// view into a larger allocation (a parameter arena, a batch buffer); views share storage.
type Tensor struct {
	Shape  Shape
	Host   []float32 // host storage, exactly Shape.Size() elements; nil on device backends
	Device uintptr   // device address of element 0; 0 on the CPU backend
}

// Len is the number of elements.
func (t *Tensor) Len() int { return t.Shape.Size() }

// View returns the tensor of the given shape that starts offset elements into t.
func (t *Tensor) View(offset int, shape ...int) *Tensor {
	s := Shape(shape).Clone()
	n := s.Size()
	if offset < 0 || offset+n > t.Len() {
		panic(fmt.Sprintf("nn: view of %v at offset %d outside a tensor of %v", s, offset, t.Shape))
	}
	v := &Tensor{Shape: s}
	if t.Host != nil {
		v.Host = t.Host[offset : offset+n : offset+n]
	}
	if t.Device != 0 {
		v.Device = t.Device + uintptr(4*offset)
	}
	return v
}

// Reshape returns a view of all of t with another shape of the same size.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	if Shape(shape).Size() != t.Len() {
		panic(fmt.Sprintf("nn: cannot reshape %v to %v", t.Shape, Shape(shape)))
	}
	return t.View(0, shape...)
}

// Batch returns a view of the first n entries along the outermost dimension.
func (t *Tensor) Batch(n int) *Tensor {
	if len(t.Shape) == 0 || n > t.Shape[0] || n < 0 {
		panic(fmt.Sprintf("nn: batch of %d from a tensor of %v", n, t.Shape))
	}
	s := t.Shape.Clone()
	s[0] = n
	return t.View(0, s...)
}
