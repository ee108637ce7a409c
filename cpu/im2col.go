package cpu

import "gogan/nn"

// geometry is nn.Columns: the unfolding of an image into the columns that a convolution
// (whose input is the image) or a transposed convolution (whose output is) multiplies.
type geometry nn.Columns

// rows is the number of column rows, C·K·K; cols the number of columns, N·OH·OW.
func (g geometry) rows() int { return nn.Columns(g).Rows() }
func (g geometry) cols() int { return nn.Columns(g).Cols() }

// span is the part of a row of column positions whose kernel tap reads from inside the
// image: positions [lo, hi), which read pixels off, off+S, ... of an image row (or rows
// off, off+S, ... of an image plane).
type span struct{ lo, hi, off int }

// cover returns the span of tap k over out positions that read an input of size in.
func cover(k, in, out, s, p int) span {
	lo := 0
	if p > k {
		lo = (p - k + s - 1) / s
	}
	hi := 0
	if last := in - 1 + p - k; last >= 0 {
		hi = min(out, last/s+1)
	}
	hi = max(hi, lo)
	return span{lo, hi, lo*s - p + k}
}

// span is the span of kernel column kj along a row; rowSpan that of kernel row ki down a
// plane. Computing them once per row of columns keeps divisions and edge tests out of the
// inner loops.
func (g geometry) span(kj int) span    { return cover(kj, g.W, g.OW, g.S, g.P) }
func (g geometry) rowSpan(ki int) span { return cover(ki, g.H, g.OH, g.S, g.P) }

// fourByTwo reports whether the geometry is the DCGAN's usual K = 4, S = 2, which im2col
// and col2im run through kernels of their own (im2col_k4s2.go).
func (g geometry) fourByTwo() bool { return g.K == 4 && g.S == 2 }

// im2colTask fills col (C·K·K, nb·OH·OW), row stride ld, from the nb images of img
// (nb, C, H, W), zero outside the images. A unit of work is one kernel row (c, ki), the K
// rows of col that read image rows of channel c; each row of col is written front to back
// while the image planes it reads stay in the first-level cache.
type im2colTask struct {
	col, img   []float32
	g          geometry
	cols, rows []span // g.span(kj) for each kj, g.rowSpan(ki) for each ki
	nb, ld     int
}

func (t *im2colTask) Run(lo, hi int) {
	g := t.g
	hw, np := g.H*g.W, g.OH*g.OW
	for u := lo; u < hi; u++ {
		c, ki := u/g.K, u%g.K
		if g.fourByTwo() {
			t.fourTaps(c, ki)
			continue
		}
		rows := t.rows[ki]
		for kj := range g.K {
			dst := t.col[(u*g.K+kj)*t.ld:][:t.nb*np]
			for n := range t.nb {
				out := dst[n*np:][:np]
				zero(out[:rows.lo*g.OW])
				zero(out[rows.hi*g.OW:])
				if rows.hi > rows.lo {
					src := t.img[(n*g.C+c)*hw:][:hw]
					gatherRows(out[rows.lo*g.OW:rows.hi*g.OW], src[rows.off*g.W:], t.cols[kj], g.OW, g.S*g.W, g.S)
				}
			}
		}
	}
}

// gatherRows fills out, whole rows of ow column positions, from image rows step floats
// apart in src: position ow of a row takes src[off+(ow−lo)·s] inside sp and zero outside.
func gatherRows(out, src []float32, sp span, ow, step, s int) {
	for o, base := 0, sp.off; o < len(out); o, base = o+ow, base+step {
		seg := out[o : o+ow]
		zero(seg[:sp.lo])
		zero(seg[sp.hi:])
		d := seg[sp.lo:sp.hi]
		switch s {
		case 1:
			if len(d) >= 16 {
				copy(d, src[base:])
				continue
			}
			from := src[base:][:len(d)]
			for i, v := range from {
				d[i] = v
			}
		case 2:
			from := src[base:]
			i := 0
			for ; i+4 <= len(d); i += 4 {
				// One bounds check per four elements: the windows' constant indices need none.
				w, dd := from[2*i:2*i+7], d[i:i+4]
				dd[0], dd[1], dd[2], dd[3] = w[0], w[2], w[4], w[6]
			}
			for ; i < len(d); i++ {
				d[i] = from[2*i]
			}
		default:
			from := src[base:]
			for i := range d {
				d[i] = from[s*i]
			}
		}
	}
}

// zero clears a short slice, usually the one or two elements at an image's edge, where a
// call to memclr would cost more than the stores. (A forward loop of zero stores would be
// compiled into that call.)
func zero(s []float32) {
	for i := len(s) - 1; i >= 0; i-- {
		s[i] = 0
	}
}

// col2imTask sets the nb images of img (nb, C, H, W) to the sums of the columns of col
// (C·K·K, nb·OH·OW), row stride ld, that read each pixel: the adjoint of im2col. A unit of
// work is one image plane, which stays in the first-level cache while the kernel taps are
// added into it in order (ki, then kj), so each pixel's sum runs in the same order
// whatever the split.
type col2imTask struct {
	img, col   []float32
	g          geometry
	cols, rows []span // g.span(kj) for each kj, g.rowSpan(ki) for each ki
	nb, ld     int
	sum        sumTapArgs // for sumTapsAVX512, when simd is set
	simd       bool
}

func (t *col2imTask) Run(lo, hi int) {
	g := t.g
	hw, np := g.H*g.W, g.OH*g.OW
	for u := lo; u < hi; u++ {
		n, c := u/g.C, u%g.C
		plane := t.img[u*hw:][:hw]
		if g.fourByTwo() {
			t.fourTaps(plane, n, c)
			continue
		}
		clear(plane)
		for ki := range g.K {
			rows := t.rows[ki]
			if rows.hi == rows.lo {
				continue
			}
			for kj := range g.K {
				r := (c*g.K+ki)*g.K + kj
				src := t.col[r*t.ld+n*np:][:np]
				scatterAddRows(plane[rows.off*g.W:], src[rows.lo*g.OW:rows.hi*g.OW], t.cols[kj], g.OW, g.S*g.W, g.S)
			}
		}
	}
}

// scatterAddRows adds in, whole rows of ow column positions, into image rows step floats
// apart in dst: position ow inside sp adds to dst[off+(ow−lo)·s]. It is gatherRows' adjoint.
func scatterAddRows(dst, in []float32, sp span, ow, step, s int) {
	for o, base := 0, sp.off; o < len(in); o, base = o+ow, base+step {
		src := in[o+sp.lo : o+sp.hi]
		switch s {
		case 1:
			to := dst[base:][:len(src)]
			for i, v := range src {
				to[i] += v
			}
		case 2:
			to := dst[base:]
			i := 0
			for ; i+4 <= len(src); i += 4 {
				w, v := to[2*i:2*i+7], src[i:i+4]
				w[0] += v[0]
				w[2] += v[1]
				w[4] += v[2]
				w[6] += v[3]
			}
			for ; i < len(src); i++ {
				to[2*i] += src[i]
			}
		default:
			to := dst[base:]
			for i, v := range src {
				to[s*i] += v
			}
		}
	}
}

// channelMajorTask rearranges src (N, C, S) into dst (C, N·S), or back with back set, adding
// bias[c] on the way back when bias is not nil. A unit of work is one (n, c) plane.
type channelMajorTask struct {
	dst, src, bias []float32
	n, c, s        int
	back           bool
}

func (t *channelMajorTask) Run(lo, hi int) {
	for u := lo; u < hi; u++ {
		i, ch := u/t.c, u%t.c
		at, cm := u*t.s, (ch*t.n+i)*t.s // offsets of the plane in (N, C, S) and (C, N·S)
		if !t.back {
			copy(t.dst[cm:][:t.s], t.src[at:][:t.s])
			continue
		}
		nchw, from := t.dst[at:][:t.s], t.src[cm:][:t.s]
		if t.bias == nil {
			copy(nchw, from)
			continue
		}
		bv := t.bias[ch]
		for j, v := range from {
			nchw[j] = v + bv
		}
	}
}

// toChannelMajor rearranges src (N, C, S) into dst (C, N·S).
func (b *Backend) toChannelMajor(dst, src []float32, n, c, s int) {
	t := &b.tasks.channelMajor
	*t = channelMajorTask{dst: dst, src: src, n: n, c: c, s: s}
	parallelFor(t, n*c, rowGrain(s))
}

// fromChannelMajor rearranges src (C, N·S) into dst (N, C, S), adding bias[c] when not nil.
func (b *Backend) fromChannelMajor(dst, src, bias []float32, n, c, s int) {
	t := &b.tasks.channelMajor
	*t = channelMajorTask{dst: dst, src: src, bias: bias, n: n, c: c, s: s, back: true}
	parallelFor(t, n*c, rowGrain(s))
}

// im2col fills col (C·K·K, nb·OH·OW), row stride ld, from the nb images of img.
func (b *Backend) im2col(col, img []float32, g geometry, nb, ld int) {
	t := &b.tasks.im2col
	cols, rows := b.spans(g)
	*t = im2colTask{col: col, img: img, g: g, cols: cols, rows: rows, nb: nb, ld: ld}
	parallelFor(t, g.C*g.K, rowGrain(g.K*nb*g.OH*g.OW))
}

// col2im sets the nb images of img to the column sums that read each pixel.
func (b *Backend) col2im(img, col []float32, g geometry, nb, ld int) {
	t := &b.tasks.col2im
	cols, rows := b.spans(g)
	*t = col2imTask{img: img, col: col, g: g, cols: cols, rows: rows, nb: nb, ld: ld}
	if g.fourByTwo() && useAVX512 {
		t.simd = t.sum.set(g, ld)
	}
	parallelFor(t, nb*g.C, rowGrain(g.H*g.W*g.K))
}

// spans returns the spans of every kernel column and row, in a buffer reused from call to
// call.
func (b *Backend) spans(g geometry) (cols, rows []span) {
	if cap(b.spanBuf) < 2*g.K {
		b.spanBuf = make([]span, 2*g.K)
	}
	cols, rows = b.spanBuf[:g.K], b.spanBuf[g.K:2*g.K]
	for k := range g.K {
		cols[k], rows[k] = g.span(k), g.rowSpan(k)
	}
	return cols, rows
}

// rowGrain is the number of units of s elements each that make a share worth a worker.
func rowGrain(s int) int { return max(1, elementGrain/max(s, 1)) }
