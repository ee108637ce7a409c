//go:build cuda

package cuda

import (
	"fmt"
	"gogan/cpu"
	"gogan/internal/nntest"
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
			nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
				x, w, table := r.Randn(c.n, c.ch, c.side, c.side), r.Randn(1, c.ch, c.side, c.side), r.Randn(c.k, f)
				labels := r.Classes(c.k, c.n)
				out, dout := r.Zeros(c.n, 1), r.Randn(c.n, 1)
				dx, dw, dtable := r.Randn(c.n, c.ch, c.side, c.side), r.Randn(1, c.ch, c.side, c.side), r.Randn(c.k, f)
				r.B.ProjectionForward(out, x, w, table, labels)
				r.B.ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels)
				r.Out("out", out)
				r.Out("dx", dx)
				// Without dx, and with only one of the parameter gradients, they accumulate again.
				r.B.ProjectionBackward(nil, dw, nil, dout, x, w, table, labels)
				r.B.ProjectionBackward(nil, nil, dtable, dout, x, w, table, labels)
				r.Out("dw", dw)
				r.Out("dtable", dtable)
			})
		})
	}
}

// TestEMAUpdateParity checks the moving average's update against the CPU backend: the same
// float32 operations in the same order, so the same bits but for fused multiply-adds.
func TestEMAUpdateParity(t *testing.T) {
	for _, decay := range []float32{0, 0.5, 0.999} {
		t.Run(fmt.Sprint(decay), func(t *testing.T) {
			nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
				avg, x := r.Randn(1000), r.Randn(1000)
				r.B.EMAUpdate(avg, x, decay)
				r.B.EMAUpdate(avg, x, decay)
				r.Out("avg", avg)
				r.Out("x", x)
			})
		})
	}
}
