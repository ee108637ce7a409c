package cpu

// The kernels of this file serve the K = 4, S = 2 geometries that make up most of a DCGAN.
// There image row ih is read by two kernel rows, and image column iw by the two kernel
// columns kj ≡ iw+P (mod 2), from column positions ow and ow−1: so im2col can fill the four
// rows of col of one kernel row from one pass over each image row, and col2im can gather
// each pixel's four terms in one expression instead of adding sixteen rows into the image.

// fourTaps fills the four rows of col of kernel row ki of channel c: col row (c, ki, kj)
// takes pixel 2·ow−P+kj of image row 2·oh−P+ki, or zero outside the image.
func (t *im2colTask) fourTaps(c, ki int) {
	g := t.g
	hw, np, ow := g.H*g.W, g.OH*g.OW, g.OW
	r := (c*4 + ki) * 4
	d0, d1 := t.col[r*t.ld:][:t.nb*np], t.col[(r+1)*t.ld:][:t.nb*np]
	d2, d3 := t.col[(r+2)*t.ld:][:t.nb*np], t.col[(r+3)*t.ld:][:t.nb*np]
	rows := t.rows[ki]
	// Inside [in.lo, in.hi) all four taps read inside the image row.
	in := t.cols[0]
	for _, sp := range t.cols[1:4] {
		in.lo, in.hi = max(in.lo, sp.lo), min(in.hi, sp.hi)
	}
	in.hi = max(in.hi, in.lo)
	if useAVX512 && ow <= 16*len(fourTapArgs{}.masks) {
		_ = t.img[((t.nb-1)*g.C+c)*hw+hw-1] // the assembly trusts its pointers
		a := fourTapArgs{col: &d0[0], img: &t.img[c*hw], ld: t.ld, np: np, nb: t.nb, imgStride: g.C * hw,
			oh: g.OH, ow: ow, h: g.H, w: g.W, p: g.P, ki: ki}
		a.setMasks()
		fourTapsAVX512(&a)
		return
	}
	for n := range t.nb {
		plane := t.img[(n*g.C+c)*hw:][:hw]
		for oh := range g.OH {
			o := n*np + oh*ow
			s0, s1, s2, s3 := d0[o:o+ow], d1[o:o+ow], d2[o:o+ow], d3[o:o+ow]
			if oh < rows.lo || oh >= rows.hi {
				zero(s0)
				zero(s1)
				zero(s2)
				zero(s3)
				continue
			}
			src := plane[(2*oh-g.P+ki)*g.W:][:g.W]
			for x := 0; x < ow; x++ {
				if x == in.lo { // the interior, then on from the right edge
					x = in.hi
					t.interior4(s0, s1, s2, s3, src, in)
					if x >= ow {
						break
					}
				}
				iw := 2*x - g.P
				s0[x], s1[x], s2[x], s3[x] = at(src, iw), at(src, iw+1), at(src, iw+2), at(src, iw+3)
			}
		}
	}
}

// fourTapArgs are fourTaps' arguments for fourTapsAVX512, which fills the four rows of col
// sixteen column positions at a time: for positions x0.., it loads image pixels 2·x0−P..
// in four vectors (at offsets 0, 16, 2 and 18), under masks that leave pixels outside the
// image row zero, takes their even and odd lanes for kernel columns 0 to 3, and stores
// them under a mask that stops at OW. Offsets and counts are in floats.
type fourTapArgs struct {
	col, img              *float32 // row (c, ki, 0) of col, and channel c, of image 0
	ld, np, nb, imgStride int      // between col's rows, col's images, images, and image planes
	oh, ow, h, w, p, ki   int
	blocks                int
	masks                 [4][5]uint32 // per block: the four load masks and the store mask
}

// setMasks fills the masks of each block of sixteen column positions.
func (a *fourTapArgs) setMasks() {
	a.blocks = (a.ow + 15) / 16
	for b := range a.blocks {
		x0 := 16 * b
		for j, off := range [4]int{0, 16, 2, 18} {
			a.masks[b][j] = laneMask(2*x0-a.p+off, 0, a.w)
		}
		a.masks[b][4] = laneMask(x0, 0, a.ow)
	}
}

// laneMask has bit l set for the lanes l < 16 with lo ≤ e+l < hi.
func laneMask(e, lo, hi int) uint32 {
	var m uint32
	for l := range 16 {
		if e+l >= lo && e+l < hi {
			m |= 1 << l
		}
	}
	return m
}

// at is s[i], or zero outside s.
func at(s []float32, i int) float32 {
	if uint(i) < uint(len(s)) {
		return s[i]
	}
	return 0
}

// interior4 fills positions [in.lo, in.hi) of the four column rows from one image row.
func (t *im2colTask) interior4(s0, s1, s2, s3, src []float32, in span) {
	n := in.hi - in.lo
	s0, s1, s2, s3 = s0[in.lo:][:n], s1[in.lo:][:n], s2[in.lo:][:n], s3[in.lo:][:n]
	from := src[2*in.lo-t.g.P:]
	for i := range n {
		w := from[2*i : 2*i+4]
		s0[i], s1[i], s2[i], s3[i] = w[0], w[1], w[2], w[3]
	}
}

// fourTaps sets plane, image n of channel c, to the sums of its columns. Pixel iw of image
// row ih sums, over the kernel rows ki that read the row (from column row oh),
// col(ki, p)[oh, m] + col(ki, p+2)[oh, m−1], with p and m the parity and half of iw+P: the
// same terms in the same order (ki, then kj) as the general col2im, so both give the same
// sums.
func (t *col2imTask) fourTaps(plane []float32, n, c int) {
	g := t.g
	ow, ld := g.OW, t.ld
	base := c*16*ld + n*g.OH*ow // column row (c, 0, 0), image n
	if t.simd {
		_ = t.col[base+15*ld+g.OH*ow-1] // the assembly trusts its pointers
		sumTapsAVX512(&plane[0], &t.col[base], &t.sum)
		return
	}
	// Inside [mLo, mHi), pixels 2m−P and 2m−P+1 lie in the row and both their terms exist.
	mLo := max(1, (g.P+1)/2)
	mHi := max(mLo, min(ow, (g.W-2+g.P)/2+1))
	for ih := range g.H {
		row := plane[ih*g.W:][:g.W]
		var offs [2]int // where the segments of the kernel rows that read ih start, kj = 0
		k := 0
		for ki := (ih + g.P) & 1; ki < 4; ki += 2 {
			if oh := (ih + g.P - ki) / 2; oh >= 0 && oh < g.OH { // ih+P−ki is even
				offs[k] = base + 4*ki*ld + oh*ow
				k++
			}
		}
		if k == 0 {
			clear(row)
			continue
		}
		for iw := 0; iw < g.W; iw++ {
			if iw == 2*mLo-g.P { // the interior, then on from the right edge
				sumTaps(row[iw:][:2*(mHi-mLo)], t.col, offs[:k], ld, mLo)
				if iw = 2*mHi - g.P; iw >= g.W {
					break
				}
			}
			q := iw + g.P
			p, m := q&1, q>>1
			var v float32
			for _, o := range offs[:k] {
				if m < ow {
					v += t.col[o+p*ld+m]
				}
				if m >= 1 && m-1 < ow {
					v += t.col[o+(p+2)*ld+m-1]
				}
			}
			row[iw] = v
		}
	}
}

// sumTaps sets out, pixel pairs (2m−P, 2m−P+1) for m from mLo on, from the segments of one
// or two kernel rows that start at offs (kj = 0) in col, ld apart.
func sumTaps(out, col []float32, offs []int, ld, mLo int) {
	n := len(out) / 2
	a := offs[0] + mLo
	a0, a1, a2, a3 := col[a:][:n], col[a+ld:][:n], col[a+2*ld-1:][:n], col[a+3*ld-1:][:n]
	if len(offs) == 1 {
		for i := range n {
			o := out[2*i : 2*i+2]
			o[0] = a0[i] + a2[i]
			o[1] = a1[i] + a3[i]
		}
		return
	}
	b := offs[1] + mLo
	b0, b1, b2, b3 := col[b:][:n], col[b+ld:][:n], col[b+2*ld-1:][:n], col[b+3*ld-1:][:n]
	for i := range n {
		o := out[2*i : 2*i+2]
		o[0] = a0[i] + a2[i] + b0[i] + b2[i]
		o[1] = a1[i] + a3[i] + b1[i] + b3[i]
	}
}

// sumTapArgs are the arguments of sumTapsAVX512, which does col2imTask.fourTaps for one
// plane sixteen pixel pairs (2m−P, 2m−P+1) at a time: it loads the segments of column
// positions m and m−1 of the kernel rows that read the image row under masks that leave
// positions outside the columns zero, sums the terms of even and odd pixels in the order
// of the Go loop, interleaves them and stores them under masks that keep to the row.
// Offsets and counts are in floats.
type sumTapArgs struct {
	ld, oh, ow, h, w, p int
	mFirst, blocks      int          // the first m, with 2m−P = −1 or 0, and blocks of sixteen
	masks               [4][4]uint32 // per block: loads at m and m−1, stores of pixels 0..15 and 16..31
}

// set fills a for geometry g and col's row stride ld, and reports whether the image rows
// are narrow enough for its masks.
func (a *sumTapArgs) set(g geometry, ld int) bool {
	*a = sumTapArgs{ld: ld, oh: g.OH, ow: g.OW, h: g.H, w: g.W, p: g.P, mFirst: g.P / 2}
	a.blocks = (g.W + g.P%2 + 31) / 32
	if a.blocks > len(a.masks) {
		return false
	}
	for b := range a.blocks {
		m0 := a.mFirst + 16*b
		px := 2*m0 - g.P
		a.masks[b] = [4]uint32{laneMask(m0, 0, g.OW), laneMask(m0-1, 0, g.OW), laneMask(px, 0, g.W), laneMask(px+16, 0, g.W)}
	}
	return true
}
