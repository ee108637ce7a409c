//go:build cuda

package cuda

// Convolutions run as one matrix multiply per layer over the whole batch, as in the CPU
// backend: im2col unfolds the image into columns (C·K·K, N·OH·OW), cuBLAS multiplies, and
// col2im folds columns back by gathering, one thread per pixel, so no atomics are needed and
// results are the same from run to run. The batch moves between (N, C, S) and the
// channel-major (C, N·S) layout that one GEMM covers.

// geometry relates an image (N, C, H, W) to the columns of a square-kernel convolution over
// it: column position (oh, ow) of kernel tap (ki, kj) reads pixel (oh·S−P+ki, ow·S−P+kj).
// For a convolution the image is its input; for a transposed convolution, its output.
type geometry struct {
	N, C, H, W int // image
	OH, OW     int // column positions
	K, S, P    int
}

// rows is the number of column rows, C·K·K; cols the number of columns, N·OH·OW.
func (g geometry) rows() int { return g.C * g.K * g.K }
func (g geometry) cols() int { return g.N * g.OH * g.OW }

func (b *Backend) im2col(col, img uintptr, g geometry) error {
	return b.im2colF32(b.grid(g.rows()*g.cols()), col, img, g.N, g.C, g.H, g.W, g.OH, g.OW, g.K, g.S, g.P)
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
