package cpu

// geometry relates an image (N, C, H, W) to the columns of a square-kernel convolution over
// it: column position (oh, ow) of kernel tap (ki, kj) reads pixel (oh·S−P+ki, ow·S−P+kj).
// For a convolution the image is its input and the columns its output positions; for a
// transposed convolution the image is its output and the columns its input positions.
type geometry struct {
	N, C, H, W int // image
	OH, OW     int // column positions
	K, S, P    int
}

// rows is the number of column rows, C·K·K; cols the number of columns, N·OH·OW.
func (g geometry) rows() int { return g.C * g.K * g.K }
func (g geometry) cols() int { return g.N * g.OH * g.OW }

// im2col fills col (C·K·K, N·OH·OW) from img (N, C, H, W), zero outside the image.
func im2col(col, img []float32, g geometry) {
	np := g.OH * g.OW
	nc := g.cols()
	parallelFor(g.rows(), 1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			c, ki, kj := r/(g.K*g.K), r/g.K%g.K, r%g.K
			dst := col[r*nc : (r+1)*nc]
			for n := 0; n < g.N; n++ {
				plane := img[(n*g.C+c)*g.H*g.W:][:g.H*g.W]
				out := dst[n*np : (n+1)*np]
				for oh := 0; oh < g.OH; oh++ {
					ih := oh*g.S - g.P + ki
					row := out[oh*g.OW : (oh+1)*g.OW]
					if ih < 0 || ih >= g.H {
						clear(row)
						continue
					}
					src := plane[ih*g.W : (ih+1)*g.W]
					for ow := range row {
						iw := ow*g.S - g.P + kj
						if iw >= 0 && iw < g.W {
							row[ow] = src[iw]
						} else {
							row[ow] = 0
						}
					}
				}
			}
		}
	})
}

// col2im sets img (N, C, H, W) to the sum of the columns that read each pixel, the adjoint
// of im2col. Each goroutine owns whole channels, so the sums are deterministic.
func col2im(img, col []float32, g geometry) {
	np := g.OH * g.OW
	nc := g.cols()
	parallelFor(g.C, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			for n := 0; n < g.N; n++ {
				clear(img[(n*g.C+c)*g.H*g.W:][:g.H*g.W])
			}
			for ki := 0; ki < g.K; ki++ {
				for kj := 0; kj < g.K; kj++ {
					r := (c*g.K+ki)*g.K + kj
					src := col[r*nc : (r+1)*nc]
					for n := 0; n < g.N; n++ {
						plane := img[(n*g.C+c)*g.H*g.W:][:g.H*g.W]
						in := src[n*np : (n+1)*np]
						for oh := 0; oh < g.OH; oh++ {
							ih := oh*g.S - g.P + ki
							if ih < 0 || ih >= g.H {
								continue
							}
							dst := plane[ih*g.W : (ih+1)*g.W]
							for ow, v := range in[oh*g.OW : (oh+1)*g.OW] {
								if iw := ow*g.S - g.P + kj; iw >= 0 && iw < g.W {
									dst[iw] += v
								}
							}
						}
					}
				}
			}
		}
	})
}

// toChannelMajor rearranges src (N, C, S) into dst (C, N·S).
func toChannelMajor(dst, src []float32, n, c, s int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			for i := 0; i < n; i++ {
				copy(dst[(ch*n+i)*s:][:s], src[(i*c+ch)*s:][:s])
			}
		}
	})
}

// fromChannelMajor rearranges src (C, N·S) into dst (N, C, S), adding bias[c] when not nil.
func fromChannelMajor(dst, src, bias []float32, n, c, s int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			for i := 0; i < n; i++ {
				d, from := dst[(i*c+ch)*s:][:s], src[(ch*n+i)*s:][:s]
				if bias == nil {
					copy(d, from)
					continue
				}
				bv := bias[ch]
				for j, v := range from {
					d[j] = v + bv
				}
			}
		}
	})
}

// addChannelSums adds to db[c] the sum of x (N, C, S) over n and s, in float64 so that the
// sum does not depend on how large the batch is.
func addChannelSums(db, x []float32, n, c, s int) {
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var sum float64
			for i := 0; i < n; i++ {
				for _, v := range x[(i*c+ch)*s:][:s] {
					sum += float64(v)
				}
			}
			db[ch] += float32(sum)
		}
	})
}
