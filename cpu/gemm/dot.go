package gemm

import "gogan/internal/workers"

// dotFunc computes a 4×4 tile of C from dot products of four rows of A and four of B, each
// running along k in memory (see avx512Dot4x4): blocks of 16 floats, then the floats under
// mask.
type dotFunc func(blocks int, mask uint32, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// dotDepth is the span of k that one pass of dot products covers: four rows of A (32 KiB)
// stay in the L1 cache while they meet every row of B, and sixteen rows of B (128 KiB) stay
// in the L2 while every block of A meets them.
const dotDepth = 2048

// useDot reports whether p is A·Bᵀ with both operands along k in memory, C small on one side
// and k long: the weight gradient of a layer with one channel, where the outer-product
// kernels would spend most of their time transposing A and B into panels.
func useDot(p *problem) bool {
	return !p.transA && p.transB && p.m%4 == 0 && p.n%4 == 0 && min(p.m, p.n) <= 16 && p.k >= 1024
}

// A dotPlan is one dot-product call, split between goroutines by blocks of four rows of C.
// Each element is summed by one goroutine in a fixed order, so the bits do not depend on
// the number of goroutines.
type dotPlan struct {
	p  problem
	fn dotFunc
}

var dotPlans freeList[dotPlan]

// runDot computes p, which useDot accepts, with fn on up to procs goroutines.
func runDot(fn dotFunc, procs int, p *problem) {
	d := dotPlans.get()
	if d == nil {
		d = new(dotPlan)
	}
	d.p, d.fn = *p, fn
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	workers.Run(d, p.m/4, 1, max(1, min(procs, int(flops/minWorkerFlops))))
	d.p = problem{}
	dotPlans.put(d)
}

// Run implements workers.Task over blocks [lo, hi) of four rows.
func (d *dotPlan) Run(lo, hi int) {
	p := &d.p
	for rb := lo; rb < hi; rb++ {
		i := 4 * rb
		for k0 := 0; k0 < p.k; k0 += dotDepth {
			kk := min(dotDepth, p.k-k0)
			beta := p.beta
			if k0 > 0 {
				beta = 1
			}
			for j := 0; j < p.n; j += 4 {
				d.fn(kk/16, lowBits(kk%16), &p.a[i*p.lda+k0], p.lda, &p.b[j*p.ldb+k0], p.ldb, &p.c[i*p.ldc+j], p.ldc, p.alpha, beta)
			}
		}
	}
}

// lowBits is a mask of the n low bits, n ≤ 32.
func lowBits(n int) uint32 { return uint32(uint64(1)<<n - 1) }
