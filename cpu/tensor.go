package cpu

import (
	"gogan/nn"
)

// New implements nn.Backend.
func (b *Backend) New(shape ...int) *nn.Tensor {
	must(nn.CheckNew(shape...))
	s := nn.Shape(shape).Clone()
	return &nn.Tensor{Shape: s, Host: make([]float32, s.Size())}
}

// Upload implements nn.Backend.
func (b *Backend) Upload(t *nn.Tensor, src []float32) {
	must(nn.CheckTransfer("Upload", t, len(src)))
	checkHost("Upload", t)
	copy(t.Host, src)
}

// Download implements nn.Backend.
func (b *Backend) Download(dst []float32, t *nn.Tensor) {
	must(nn.CheckTransfer("Download", t, len(dst)))
	checkHost("Download", t)
	copy(dst, t.Host)
}

// Fill implements nn.Backend.
func (b *Backend) Fill(t *nn.Tensor, v float32) {
	must(nn.CheckFill("Fill", t))
	c := &b.tasks.clamp
	*c = clampTask{x: t.Host, lo: v, fill: true}
	parallelFor(c, len(t.Host), elementGrain)
}

// Copy implements nn.Backend.
func (b *Backend) Copy(dst, src *nn.Tensor) {
	must(nn.CheckCopy(dst, src))
	checkHost("Copy", dst)
	checkHost("Copy", src)
	copy(dst.Host, src.Host)
}

// Free implements nn.Backend; the garbage collector owns host memory.
func (b *Backend) Free(t *nn.Tensor) {}

// Clamp implements nn.Backend.
func (b *Backend) Clamp(t *nn.Tensor, lo, hi float32) {
	must(nn.CheckFill("Clamp", t))
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
