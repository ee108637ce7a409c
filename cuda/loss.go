//go:build cuda

package cuda

import (
	"gogan/nn"
)

// LogitLoss implements nn.Backend, in double in one block, as the CPU backend does.
func (b *Backend) LogitLoss(stats, dlogits, logits *nn.Tensor, f nn.LossTerm, scale float32) {
	n, err := nn.CheckLogitLoss(stats, dlogits, logits, f)
	must(err)
	checkIndex("LogitLoss", n)
	ps, pd, pl := stats.Device, dev(dlogits), logits.Device
	b.enqueue("LogitLoss", func() error {
		return b.logitLossF32(1, ps, pd, pl, n, int(f), scale)
	})
}
