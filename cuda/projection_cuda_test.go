//go:build cuda

package cuda

import (
	"fmt"
	"testing"
)

// TestProjectionParity checks the projection discriminator's output layer and its gradients
// against the CPU backend, at a toy size and at dcgan28's and dcgan64's (batch 64, ten
// classes). Both backends sum in double in the same order, so only the rounding of fused
// multiply-adds may differ. Parameter gradients start random, to check that they accumulate.
func TestProjectionParity(t *testing.T) {
	for _, c := range []struct{ n, k, ch, side int }{
		{n: 5, k: 3, ch: 2, side: 2},
		{n: 64, k: 10, ch: 256, side: 3},
		{n: 64, k: 10, ch: 512, side: 4},
	} {
		t.Run(fmt.Sprintf("N%d_K%d_C%d_S%d", c.n, c.k, c.ch, c.side), func(t *testing.T) {
			f := c.ch * c.side * c.side
			parity(t, 1e-12, func(r *rig) {
				x, w, table := r.randn(c.n, c.ch, c.side, c.side), r.randn(1, c.ch, c.side, c.side), r.randn(c.k, f)
				labels := r.fill(func() float64 { return float64(r.rng.IntN(c.k)) }, c.n)
				out, dout := r.zeros(c.n, 1), r.randn(c.n, 1)
				dx, dw, dtable := r.randn(c.n, c.ch, c.side, c.side), r.randn(1, c.ch, c.side, c.side), r.randn(c.k, f)
				r.b.ProjectionForward(out, x, w, table, labels)
				r.b.ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels)
				r.out("out", out)
				r.out("dx", dx)
				// Without dx, and with only one of the parameter gradients, they accumulate again.
				r.b.ProjectionBackward(nil, dw, nil, dout, x, w, table, labels)
				r.b.ProjectionBackward(nil, nil, dtable, dout, x, w, table, labels)
				r.out("dw", dw)
				r.out("dtable", dtable)
			})
		})
	}
}

// TestEMAUpdateParity checks the moving average's update against the CPU backend: the same
// float32 operations in the same order, so the same bits but for fused multiply-adds.
func TestEMAUpdateParity(t *testing.T) {
	for _, decay := range []float32{0, 0.5, 0.999} {
		t.Run(fmt.Sprint(decay), func(t *testing.T) {
			parity(t, 1e-12, func(r *rig) {
				avg, x := r.randn(1000), r.randn(1000)
				r.b.EMAUpdate(avg, x, decay)
				r.b.EMAUpdate(avg, x, decay)
				r.out("avg", avg)
				r.out("x", x)
			})
		})
	}
}
