package gemm

import (
	"unsafe"
)

// kernelFunc computes one mr×nr tile of C from packed or unpacked panels:
//
//	C[i][j] = alpha · Σ_p a[p·as + i] · b[p·bs + j] + beta · C[i][j]
//
// for i < mr, j < nr, p < kc, with C rows ldc floats apart. The sum runs over p in order
// into one accumulator per element. beta = 0 never reads C.
type kernelFunc func(kc int, a *float32, as int, b *float32, bs int, c *float32, ldc int, alpha, beta float32)

// A path is one micro-kernel with the cache blocking that suits it.
type path struct {
	name      string
	mr, nr    int         // tile of C held in registers
	kc        int         // depth of a packed block; fixed per path, because it decides rounding
	mc, nc    int         // rows of op(A) and columns of op(B) per packed block
	maxShared int         // floats of an operand shared between goroutines, if not the default
	speed     float64     // the kernel's speed relative to the main path's, for variants
	variants  []*path     // narrower tiles with the same rounding, for skinny matrices
	dot       *dotKernels // dot-product tiles for A·Bᵀ with a small C, if any
	kernel    kernelFunc
	copy      copyFunc
	transpose transposeFunc
	pool      freeList[buffers] // buffers sized for this path
}

// goPath is the portable path: the reference for the others, and the only one off amd64.
var goPath = &path{name: "go", mr: 4, nr: 4, kc: 256, mc: 128, nc: 2048, kernel: goKernel4x4,
	copy: copyGo, transpose: transposeGo}

// active is the path Sgemm uses: the fastest that this CPU supports.
var active = bestPath()

// goKernel4x4 is the pure-Go kernelFunc. It runs the 4×4 tile as two 2×4 halves: eight
// accumulators and six operands fit the 15 float registers that amd64 leaves the compiler,
// where sixteen accumulators spill on every step and run 35% slower.
func goKernel4x4(kc int, ap *float32, as int, bp *float32, bs int, cp *float32, ldc int, alpha, beta float32) {
	a := unsafe.Slice(ap, (kc-1)*as+4)
	b := unsafe.Slice(bp, (kc-1)*bs+4)
	c := unsafe.Slice(cp, 3*ldc+4)
	for h := 0; h < 4; h += 2 {
		var c00, c01, c02, c03, c10, c11, c12, c13 float32
		for p := range kc {
			av := a[p*as+h : p*as+h+2 : p*as+h+2]
			bv := b[p*bs : p*bs+4 : p*bs+4]
			a0, a1 := av[0], av[1]
			b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
		}
		update4(c[h*ldc:h*ldc+4:h*ldc+4], c00, c01, c02, c03, alpha, beta)
		update4(c[(h+1)*ldc:(h+1)*ldc+4:(h+1)*ldc+4], c10, c11, c12, c13, alpha, beta)
	}
}

// update4 stores alpha·acc + beta·c into a row of four, reading c only when beta ≠ 0.
func update4(c []float32, x0, x1, x2, x3, alpha, beta float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*x0, alpha*x1, alpha*x2, alpha*x3
		return
	}
	c[0] = alpha*x0 + beta*c[0]
	c[1] = alpha*x1 + beta*c[1]
	c[2] = alpha*x2 + beta*c[2]
	c[3] = alpha*x3 + beta*c[3]
}

// forShape returns the path among pth and its variants that computes p fastest: the one
// whose tiles, padded to whole tiles, cover p in the least time. The choice depends on the
// shape alone, and all variants round alike, so the result does not depend on it.
func (pth *path) forShape(p *problem) *path {
	best, bestCost := pth, paddedArea(pth, p)
	for _, v := range pth.variants {
		if c := paddedArea(v, p) / v.speed; c < bestCost {
			best, bestCost = v, c
		}
	}
	return best
}

// paddedArea is the area of C that pth's tiles compute, partial tiles counted whole.
func paddedArea(pth *path, p *problem) float64 {
	return float64(roundUp(p.m, pth.mr)) * float64(roundUp(p.n, pth.nr))
}
