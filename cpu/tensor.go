package cpu

import (
	"fmt"

	"gogan/nn"
)

// New implements nn.Backend.
func (b *Backend) New(shape ...int) *nn.Tensor {
	s := nn.Shape(shape).Clone()
	for _, d := range s {
		if d < 0 {
			panic(fmt.Sprintf("cpu: negative dimension in %v", s))
		}
	}
	return &nn.Tensor{Shape: s, Host: make([]float32, s.Size())}
}

// Upload implements nn.Backend.
func (b *Backend) Upload(t *nn.Tensor, src []float32) {
	checkLen("Upload", t, len(src))
	copy(t.Host, src)
}

// Download implements nn.Backend.
func (b *Backend) Download(dst []float32, t *nn.Tensor) {
	checkLen("Download", t, len(dst))
	copy(dst, t.Host)
}

// Fill implements nn.Backend.
func (b *Backend) Fill(t *nn.Tensor, v float32) {
	c := &b.tasks.clamp
	*c = clampTask{x: t.Host, lo: v, fill: true}
	parallelFor(c, len(t.Host), elementGrain)
}

// Copy implements nn.Backend.
func (b *Backend) Copy(dst, src *nn.Tensor) {
	checkLen("Copy", dst, src.Len())
	copy(dst.Host, src.Host)
}

// Free implements nn.Backend; the garbage collector owns host memory.
func (b *Backend) Free(t *nn.Tensor) {}

// Clamp implements nn.Backend.
func (b *Backend) Clamp(t *nn.Tensor, lo, hi float32) {
	c := &b.tasks.clamp
	*c = clampTask{x: t.Host, lo: lo, hi: hi}
	parallelFor(c, len(t.Host), elementGrain)
}

// clampTask limits x to [lo, hi], or with fill sets it to lo; a unit of work is an element.
type clampTask struct {
	x      []float32
	lo, hi float32
	fill   bool
}

func (t *clampTask) Run(lo, hi int) {
	x := t.x[lo:hi]
	switch {
	case t.fill && t.lo == 0:
		clear(x)
	case t.fill:
		for i := range x {
			x[i] = t.lo
		}
	default:
		for i, v := range x {
			x[i] = min(max(v, t.lo), t.hi)
		}
	}
}
