//go:build cuda

package cuda

import "gogan/nn"

// Convolutions run as one matrix multiply per layer over the whole batch, as in the CPU
// backend: im2col unfolds the image into columns (C·K·K, N·OH·OW), cuBLAS multiplies, and
// col2im folds columns back by gathering, one thread per pixel, so no atomics are needed and
// results are the same from run to run. The batch moves between (N, C, S) and the
// channel-major (C, N·S) layout that one GEMM covers.

// geometry is nn.Columns: the unfolding of an image into the columns that a convolution
// (whose input is the image) or a transposed convolution (whose output is) multiplies.
type geometry = nn.Columns

func (b *Backend) im2col(col, img uintptr, g geometry) error {
	return b.im2colF32(b.grid(g.Rows()*g.Cols()), col, img, g.N, g.C, g.H, g.W, g.OH, g.OW, g.K, g.S, g.P)
}

// col2im sets img to the folded columns, plus bias (0 for none) per channel.
func (b *Backend) col2im(img, col, bias uintptr, g geometry) error {
	return b.col2imF32(b.grid(g.N*g.C*g.H*g.W), img, col, bias, g.N, g.C, g.H, g.W, g.OH, g.OW, g.K, g.S, g.P)
}

// toChannelMajor rearranges src (N, C, S) into dst (C, N·S).
func (b *Backend) toChannelMajor(dst, src uintptr, n, c, s int) error {
	return b.toChannelMajorF32(b.grid(n*c*s), dst, src, n, c, s)
}

// fromChannelMajor rearranges src (C, N·S) into dst (N, C, S), adding bias (0 for none).
func (b *Backend) fromChannelMajor(dst, src, bias uintptr, n, c, s int) error {
	return b.fromChannelMajorF32(b.grid(n*c*s), dst, src, bias, n, c, s)
}
