//go:build cuda

package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// TestAugmentParity checks DiffAugment's op and its gradient against the CPU backend at the
// sizes training uses (batch 64, RGB, 32 to 256 pixels; grey 28) and at a toy size whose
// batch exceeds nothing. Both sum an image in double, in another order, so the sums differ in
// their last bits of double precision only: the float32 results agree to rounding.
func TestAugmentParity(t *testing.T) {
	all := nn.AugmentPolicy{Color: true, Translation: true, Cutout: true}
	for _, c := range []struct{ n, ch, side int }{{3, 3, 5}, {64, 1, 28}, {64, 3, 32}, {64, 3, 64}, {8, 3, 256}} {
		t.Run(fmt.Sprintf("N%d_C%d_%d", c.n, c.ch, c.side), func(t *testing.T) {
			params := make([]float32, c.n*nn.AugmentValues)
			nn.DrawAugment(params, c.n, c.side, c.side, all, rand.New(rand.NewPCG(uint64(c.side), 1)))
			nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
				p := r.Zeros(c.n, nn.AugmentValues)
				r.B.Upload(p, params)
				x, dout := r.Randn(c.n, c.ch, c.side, c.side), r.Randn(c.n, c.ch, c.side, c.side)
				out, dx := r.Randn(c.n, c.ch, c.side, c.side), r.Randn(c.n, c.ch, c.side, c.side)
				r.B.AugmentForward(out, x, p)
				r.B.AugmentBackward(dx, dout, p)
				r.Out("out", out)
				r.Out("dx", dx)
			})
		})
	}
}
