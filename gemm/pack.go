package gemm

// Packing copies a block of op(A) or op(B) into panels that the micro-kernel reads with
// unit stride. Each operand's panels are either rows in memory (B untransposed, A
// transposed), which packCopy moves over, or columns (A untransposed, B transposed), which
// packTranspose turns.

// copyFunc copies kc rows of cols floats, src rows lds apart, into panels of width floats,
// pstride apart: float j of row p goes to dst[(j/width)·pstride + p·width + j%width]. The
// last panel is padded with zeros.
type copyFunc func(dst []float32, pstride int, src []float32, lds, kc, cols, width int)

// transposeFunc writes float p of src row r (rows lds apart) to dst[p·ldd + r] for r < rows
// and p < kc, and zeroes dst[p·ldd + r] for rows ≤ r < width.
type transposeFunc func(dst []float32, ldd int, src []float32, lds, rows, kc, width int)

// packA copies op(A)[ic:ic+mc, pc:pc+kc] into dst as panels of mr rows: panel q holds rows
// q·mr… in dst[q·mr·kc:], element (i, p) at p·mr + i, so that the micro-kernel reads mr
// consecutive floats per step of p. Rows past mc are zero, so a partial panel multiplies to
// zeros.
func packA(pth *path, dst []float32, p *problem, ic, mc, pc, kc int) {
	mr := pth.mr
	if p.transA {
		pth.copy(dst, mr*kc, p.a[pc*p.lda+ic:], p.lda, kc, mc, mr)
		return
	}
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		pth.transpose(dst[ir*kc:ir*kc+mr*kc], mr, p.a[(ic+ir)*p.lda+pc:], p.lda, rows, kc, mr)
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns: panel q holds
// columns q·nr… in dst[q·nr·kc:], element (p, j) at p·nr + j. Columns past nc are zero.
func packB(pth *path, dst []float32, p *problem, pc, kc, jc, nc int) {
	nr := pth.nr
	if !p.transB {
		pth.copy(dst, nr*kc, p.b[pc*p.ldb+jc:], p.ldb, kc, nc, nr)
		return
	}
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		pth.transpose(dst[jr*kc:jr*kc+nr*kc], nr, p.b[(jc+jr)*p.ldb+pc:], p.ldb, cols, kc, nr)
	}
}

// copyGo is the portable copyFunc.
func copyGo(dst []float32, pstride int, src []float32, lds, kc, cols, width int) {
	for p := range kc {
		row := src[p*lds : p*lds+cols]
		for j := 0; j < cols; j += width {
			out := dst[j/width*pstride+p*width:][:width]
			clear(out[copy(out, row[j:]):])
		}
	}
}

// transposeGo is the portable transposeFunc.
func transposeGo(dst []float32, ldd int, src []float32, lds, rows, kc, width int) {
	for r := range rows {
		for q, v := range src[r*lds : r*lds+kc] {
			dst[q*ldd+r] = v
		}
	}
	if rows < width {
		for q := range kc {
			clear(dst[q*ldd+rows : q*ldd+width])
		}
	}
}
