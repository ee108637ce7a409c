//go:build cuda

package cuda

import (
	"gogan/nn"
)

// augmentSizes returns the sizes an augmentation's contract checked, which must fit the
// kernels' 32-bit indices. The shifts and cut-outs are drawn by nn.DrawAugment as whole
// numbers of pixels; the kernels truncate them as the CPU backend reads them.
func augmentSizes(op string, g nn.AugmentGeometry, err error) (n, c, h, w int) {
	must(err)
	checkIndex(op, g.N*g.C*g.H*g.W)
	return g.N, g.C, g.H, g.W
}

// augmentBlocks is one block per image: each block sums its image before mapping it.
func (b *Backend) augmentBlocks(n int) int { return min(n, b.maxBlocks) }

// AugmentForward implements nn.Backend.
func (b *Backend) AugmentForward(out, x, params *nn.Tensor) {
	g, err := nn.CheckAugmentForward(out, x, params)
	n, c, h, w := augmentSizes("AugmentForward", g, err)
	po, px, pp := out.Device, x.Device, params.Device
	b.enqueue("AugmentForward", func() error {
		return b.augmentForwardF32(b.augmentBlocks(n), po, px, pp, n, c, h, w)
	})
}

// AugmentBackward implements nn.Backend.
func (b *Backend) AugmentBackward(dx, dout, params *nn.Tensor) {
	g, err := nn.CheckAugmentBackward(dx, dout, params)
	n, c, h, w := augmentSizes("AugmentBackward", g, err)
	pdx, pdo, pp := dx.Device, dout.Device, params.Device
	b.enqueue("AugmentBackward", func() error {
		return b.augmentBackwardF32(b.augmentBlocks(n), pdx, pdo, pp, n, c, h, w)
	})
}
