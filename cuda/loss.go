//go:build cuda

package cuda

import (
	"fmt"

	"gogan/nn"
)

// LogitLoss implements nn.Backend, in double in one block, as the CPU backend does.
func (b *Backend) LogitLoss(stats, dlogits, logits *nn.Tensor, f nn.LossTerm, scale float32) {
	n := logits.Len()
	checkShape("LogitLoss", "stats", stats, 3)
	if dlogits != nil {
		checkLen("LogitLoss dlogits", dlogits, n)
	}
	if f < nn.TermSoftplusNeg || f > nn.TermIdentity {
		panic(fmt.Sprintf("cuda: LogitLoss: unknown loss term %d", f))
	}
	checkIndex("LogitLoss", n)
	ps, pd, pl := stats.Device, dev(dlogits), logits.Device
	b.enqueue("LogitLoss", func() error {
		return b.logitLossF32(1, ps, pd, pl, n, int(f), scale)
	})
}
