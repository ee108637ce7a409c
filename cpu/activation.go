package cpu

import (
	"math"
	"unsafe"

	"gogan/nn"
)

// ActivationForward implements nn.Backend.
func (b *Backend) ActivationForward(out, x *nn.Tensor, a nn.Activation) {
	_, err := nn.CheckActivationForward(out, x, a)
	must(err)
	t := &b.tasks.activation
	*t = activationTask{dst: out.Host, src: x.Host, a: a}
	parallelFor(t, len(x.Host), elementGrain)
}

// ActivationBackward implements nn.Backend.
func (b *Backend) ActivationBackward(dx, dout, x, out *nn.Tensor, a nn.Activation) {
	_, err := nn.CheckActivationBackward(dx, dout, x, out, a)
	must(err)
	if dx == nil {
		return
	}
	t := &b.tasks.activationDX
	*t = activationGradTask{dx: dx.Host, dy: dout.Host, x: x.Host, y: out.Host, a: a}
	parallelFor(t, len(dout.Host), elementGrain)
}

// activationTask computes dst = f(src); a unit of work is an element. The loops are free of
// data-dependent branches, which the signs of activations would mispredict half the time.
type activationTask struct {
	dst, src []float32
	a        nn.Activation
}

func (t *activationTask) Run(lo, hi int) {
	s, d := t.src[lo:hi], t.dst[lo:hi]
	d = d[:len(s)]
	switch slope := t.a.Slope; t.a.Kind {
	case nn.ReLU:
		if useAVX512 {
			reluAVX512(unsafe.SliceData(d), unsafe.SliceData(s), len(s))
			return
		}
		for i, v := range s {
			d[i] = max(v, 0) // max keeps a NaN, as PyTorch's relu does
		}
	case nn.LeakyReLU:
		switch {
		case slope > 0 && slope <= 1 && useAVX512:
			leakyAVX512(unsafe.SliceData(d), unsafe.SliceData(s), len(s), slope)
		case slope > 0 && slope <= 1: // then v·slope lies between v and 0, infinities included
			for i, v := range s {
				d[i] = max(v, v*slope)
			}
		case slope > 1:
			for i, v := range s {
				d[i] = min(v, v*slope)
			}
		default:
			for i, v := range s {
				if v <= 0 {
					v *= slope
				}
				d[i] = v
			}
		}
	case nn.Tanh:
		for i, v := range s {
			d[i] = tanh32(v)
		}
	case nn.Sigmoid:
		for i, v := range s {
			d[i] = sigmoid32(v)
		}
	}
}

// activationGradTask computes dx = f'·dy, from x for ReLU and LeakyReLU and from y = f(x)
// for Tanh and Sigmoid; a unit of work is an element. The derivative of the ReLU family is
// 1 where x > 0 and the slope elsewhere (PyTorch's choice at 0 and NaN); it is picked with a
// mask made from x's bits instead of a branch.
type activationGradTask struct {
	dx, dy, x, y []float32
	a            nn.Activation
}

func (t *activationGradTask) Run(lo, hi int) {
	dy, d := t.dy[lo:hi], t.dx[lo:hi]
	d = d[:len(dy)]
	switch t.a.Kind {
	case nn.ReLU:
		x := t.x[lo:hi][:len(dy)]
		if useAVX512 {
			reluGradAVX512(unsafe.SliceData(d), unsafe.SliceData(dy), unsafe.SliceData(x), len(dy))
			return
		}
		xb, gb, db := bits(x), bits(dy), bits(d)
		for i, g := range gb {
			db[i] = g & positive(xb[i])
		}
	case nn.LeakyReLU:
		x := t.x[lo:hi][:len(dy)]
		if useAVX512 {
			leakyGradAVX512(unsafe.SliceData(d), unsafe.SliceData(dy), unsafe.SliceData(x), len(dy), t.a.Slope)
			return
		}
		slope := math.Float32bits(t.a.Slope)
		flip := slope ^ math.Float32bits(1)
		xb := bits(x)
		for i, g := range dy {
			d[i] = g * math.Float32frombits(slope^(flip&positive(xb[i])))
		}
	case nn.Tanh:
		y := t.y[lo:hi][:len(dy)]
		if useAVX512 {
			tanhGradAVX512(unsafe.SliceData(d), unsafe.SliceData(dy), unsafe.SliceData(y), len(dy))
			return
		}
		for i, g := range dy {
			d[i] = g * (1 - float32(y[i]*y[i])) // no fused multiply-add, as in the assembly
		}
	case nn.Sigmoid:
		y := t.y[lo:hi][:len(dy)]
		for i, g := range dy {
			d[i] = g * y[i] * (1 - y[i])
		}
	}
}

// positive returns all ones when the float32 with bits u is greater than zero, and zero
// otherwise: u−1 wraps +0 to the top of the range, so exactly the bits 1 through +Inf
// (0x7f800000) fall below the bound.
func positive(u uint32) uint32 {
	return uint32((int64(u-1) - 0x7f800000) >> 63)
}

// bits views a float32 slice as the bit patterns of its elements.
func bits(s []float32) []uint32 {
	return unsafe.Slice((*uint32)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

func sigmoid32(v float32) float32 { return float32(Sigmoid(float64(v))) }

// tanh32 is tanh of a float32, correctly rounded but for rare ties: within half a unit in
// the last place plus 1e-15 relative. math.Tanh spends most of its time in math.Exp, so
// where it would call it (|x| ≥ 0.625) tanh32 computes e^(2|x|) with a polynomial instead;
// float64 arithmetic leaves all of float32's precision in 1 − 2/(e^(2|x|)+1).
func tanh32(x float32) float32 {
	v := float64(x)
	a := math.Abs(v)
	if a < 0.625 {
		return float32(math.Tanh(v)) // a rational function there, no exponential
	}
	// Beyond 20, 2/(e^40+1) is below float64's resolution of 1, and e^y stays finite.
	y := 2 * min(a, 20)
	k := int(y*math.Log2E + 0.5)
	r := y - float64(k)*math.Ln2 // |r| ≤ ln2/2, so the Taylor series to r⁹ is within 1e-11
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040+r*(1.0/40320+r*(1.0/362880)))))))))
	e := p * math.Float64frombits(uint64(k+1023)<<52)
	t := 1 - 2/(e+1)
	if v < 0 {
		t = -t
	}
	return float32(t)
}
