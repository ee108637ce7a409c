package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPackers checks every path's copy and transpose against their definitions: the packed
// floats, the zero padding up to the panel width, and nothing written past it.
func TestPackers(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const sentinel = 777
	for _, pth := range supportedPaths() {
		for _, width := range []int{4, 6, 8, 12, 16, 32} {
			for _, kc := range []int{1, 5, 16, 17, 40} {
				lds := 4*width + 3
				src := make([]float32, 60*lds)
				for i := range src {
					src[i] = rng.Float32()
				}
				for _, n := range []int{1, width / 2, width - 1, width, width + 1, 3*width + 2} {
					name := fmt.Sprintf("%s/width%d/kc%d/n%d", pth.name, width, kc, n)
					// Panels sit 7 floats further apart than they need, to catch writes
					// past a panel's end.
					pstride := kc*width + 7
					panels := ceilDiv(n, width)
					dst := make([]float32, panels*pstride)
					for i := range dst {
						dst[i] = sentinel
					}
					pth.copy(dst, pstride, src, lds, kc, n, width)
					for q := range panels {
						checkPanel(t, name+"/copy", dst[q*pstride:(q+1)*pstride], width, width, kc, min(width, n-q*width), sentinel,
							func(p, j int) float32 { return src[p*lds+q*width+j] })
						if dst[(q+1)*pstride-1] != sentinel {
							t.Errorf("%s/copy: wrote past panel %d", name, q)
						}
					}
					if n > width {
						continue
					}
					ldd := width + 3
					dst = make([]float32, kc*ldd)
					for i := range dst {
						dst[i] = sentinel
					}
					pth.transpose(dst, ldd, src, lds, n, kc, width)
					checkPanel(t, name+"/transpose", dst, ldd, width, kc, n, sentinel, func(p, j int) float32 { return src[j*lds+p] })
				}
			}
		}
	}
}

// checkPanel checks kc rows of a panel, ldd floats apart: the first n floats of row p are
// want(p, j), the rest up to width zero, and the floats from width to ldd untouched.
func checkPanel(t *testing.T, name string, dst []float32, ldd, width, kc, n int, sentinel float32, want func(p, j int) float32) {
	t.Helper()
	for p := range kc {
		for j := range ldd {
			w := sentinel
			switch {
			case j < n:
				w = want(p, j)
			case j < width:
				w = 0
			}
			if got := dst[p*ldd+j]; got != w {
				t.Errorf("%s: row %d column %d is %g, want %g", name, p, j, got, w)
				return
			}
		}
	}
}
