//go:build cuda

package cuda

// addChannelSums adds to out (C) the sums of x (N, C, S) over n and s.
func (b *Backend) addChannelSums(out, x uintptr, n, c, s int) error {
	return b.channelSumAddF32(c, out, x, n, c, s)
}
