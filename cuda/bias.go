//go:build cuda

package cuda

// channelReduction is the scratch of a two-stage per-channel reduction over N·S elements:
// parts blocks per channel, then one.
type channelReduction struct {
	parts int
	buf   uintptr // 2·C·parts + C doubles: the partial sums, then the means of BatchNorm
}

// maxParts bounds the blocks per channel of the first stage: at most one element per thread
// of the second stage's block.
const maxParts = 64

// partElems is the number of elements per block of the first stage that is worth a block.
const partElems = 4096

// channelReduction returns the scratch of a reduction of x (N, C, S) over n and s. The number
// of parts depends only on the shape, never on the GPU, so that the sums are the same bits on
// every GPU. It runs on the caller's goroutine, as it may grow the scratch buffer.
func (b *Backend) channelReduction(n, c, s int) channelReduction {
	parts := min(maxParts, max(1, (n*s+partElems-1)/partElems))
	return channelReduction{parts: parts, buf: b.work(4, 2*(2*c*parts+c))}
}

// addChannelSums adds to out (C) the sums of x (N, C, S) over n and s. It runs on the worker.
func (b *Backend) addChannelSums(out, x uintptr, n, c, s int, r channelReduction) error {
	if err := b.channelPartialsF32(c*r.parts, r.buf, x, 0, n, c, s, r.parts); err != nil {
		return err
	}
	return b.channelSumFinishF32(c, out, r.buf, c, r.parts)
}
