package cpu

import (
	"gogan/gemm"
	"gogan/nn"
)

func hostOrNil(t *nn.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Host
}

// LinearForward implements nn.Backend.
func (b *Backend) LinearForward(out, x, w, bias *nn.Tensor) {
	g, err := nn.CheckLinearForward(out, x, w, bias)
	must(err)
	b.linearForward(out.Host, x.Host, w.Host, hostOrNil(bias), g.N, g.In, g.Out)
}

// linearForward computes out (N, O) = x (N, I) · wᵀ (I, O) + bias, bias nil for none.
func (b *Backend) linearForward(out, x, w, bias []float32, n, in, o int) {
	gemm.Sgemm(false, true, n, o, in, 1, x, in, w, in, 0, out, o)
	if bias != nil {
		b.addBias(out, bias, n, o, 1)
	}
}

// LinearBackward implements nn.Backend.
func (b *Backend) LinearBackward(dx, dw, db, dout, x, w *nn.Tensor) {
	g, err := nn.CheckLinearBackward(dx, dw, db, dout, x, w)
	must(err)
	b.linearBackward(hostOrNil(dx), hostOrNil(dw), hostOrNil(db), dout.Host, x.Host, w.Host, g.N, g.In, g.Out)
}

// linearBackward computes dx = dout · w, dw += doutᵀ · x and db += Σ_n dout, each only when
// its slice is not nil.
func (b *Backend) linearBackward(dx, dw, db, dout, x, w []float32, n, in, o int) {
	if dw != nil {
		gemm.Sgemm(true, false, o, in, n, 1, dout, o, x, in, 1, dw, in)
	}
	if db != nil {
		b.addChannelSums(db, dout, n, o, 1)
	}
	if dx != nil {
		gemm.Sgemm(false, false, n, in, o, 1, dout, o, w, in, 0, dx, in)
	}
}
