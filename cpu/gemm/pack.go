package gemm

// packA copies op(A)[ic:ic+mc, pc:pc+kc] into dst as panels of mr rows: panel q holds rows
// q·mr… in dst[q·mr·kc:], element (i, p) at p·mr + i, so that the micro-kernel reads mr
// consecutive floats per step of p. Rows past mc are zero, so a partial panel multiplies to
// zeros.
func packA(dst []float32, p *problem, ic, mc, pc, kc, mr int) {
	for ir := 0; ir < mc; ir += mr {
		rows := min(mr, mc-ir)
		panel := dst[ir*kc : ir*kc+mr*kc]
		if p.transA {
			// A is stored k×m: each step of p is a contiguous run of the panel's rows.
			for q := range kc {
				src := p.a[(pc+q)*p.lda+ic+ir:]
				out := panel[q*mr : q*mr+mr]
				copy(out, src[:rows])
				clear(out[rows:])
			}
			continue
		}
		for i := range rows {
			src := p.a[(ic+ir+i)*p.lda+pc:]
			src = src[:kc]
			for q, v := range src {
				panel[q*mr+i] = v
			}
		}
		if rows < mr {
			for q := range kc {
				clear(panel[q*mr+rows : q*mr+mr])
			}
		}
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as panels of nr columns: panel q holds
// columns q·nr… in dst[q·nr·kc:], element (p, j) at p·nr + j. Columns past nc are zero.
func packB(dst []float32, p *problem, pc, kc, jc, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		cols := min(nr, nc-jr)
		panel := dst[jr*kc : jr*kc+nr*kc]
		if !p.transB {
			for q := range kc {
				src := p.b[(pc+q)*p.ldb+jc+jr:]
				out := panel[q*nr : q*nr+nr]
				copy(out, src[:cols])
				clear(out[cols:])
			}
			continue
		}
		// B is stored n×k: each column of op(B) is a contiguous row of B.
		for j := range cols {
			src := p.b[(jc+jr+j)*p.ldb+pc:]
			src = src[:kc]
			for q, v := range src {
				panel[q*nr+j] = v
			}
		}
		if cols < nr {
			for q := range kc {
				clear(panel[q*nr+cols : q*nr+nr])
			}
		}
	}
}
