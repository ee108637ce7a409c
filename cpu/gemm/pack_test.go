package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestPackers checks every path's copy and transpose against the definitions: the packed
// floats, the zero padding up to the panel width, and nothing written past it.
func TestPackers(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const sentinel = 777
	for _, pth := range supportedPaths() {
		for _, width := range []int{4, 6, 8, 12, 16, 32} {
			for _, kc := range []int{1, 5, 16, 17, 40} {
				for _, n := range []int{0, 1, width / 2, width - 1, width} {
					ldd, lds := width+3, 50
					src := make([]float32, 60*lds)
					for i := range src {
						src[i] = rng.Float32()
					}
					name := fmt.Sprintf("%s/width%d/kc%d/n%d", pth.name, width, kc, n)
					dst := make([]float32, kc*ldd)
					for i := range dst {
						dst[i] = sentinel
					}
					if n > 0 {
						pth.copy(dst, ldd, src, lds, kc, n, width)
						checkPanel(t, name+"/copy", dst, ldd, width, kc, n, sentinel, func(q, j int) float32 { return src[q*lds+j] })
					}
					for i := range dst {
						dst[i] = sentinel
					}
					pth.transpose(dst, ldd, src, lds, n, kc, width)
					checkPanel(t, name+"/transpose", dst, ldd, width, kc, n, sentinel, func(q, j int) float32 { return src[j*lds+q] })
				}
			}
		}
	}
}

func checkPanel(t *testing.T, name string, dst []float32, ldd, width, kc, n int, sentinel float32, want func(q, j int) float32) {
	t.Helper()
	for q := range kc {
		for j := range ldd {
			w := sentinel
			switch {
			case j < n:
				w = want(q, j)
			case j < width:
				w = 0
			}
			if got := dst[q*ldd+j]; got != w {
				t.Errorf("%s: row %d column %d is %g, want %g", name, q, j, got, w)
				return
			}
		}
	}
}
