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
