package gemm

import "gogan/internal/workers"

// dotFunc computes a tile of four columns of C from dot products of its rows of A (four or
// one) and four rows of B, each running along k in memory (see avx512Dot4x4): blocks of 16
// floats, then the floats under mask.
type dotFunc func(blocks int, mask uint32, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// dotKernels are a path's dot-product tiles: four rows and one row of C, four columns each.
type dotKernels struct{ four, one dotFunc }

// dotDepth is the span of k that one pass of dot products covers: four rows of A (32 KiB)
// stay in the L1 cache while they meet every row of B, and sixteen rows of B (128 KiB) stay
// in the L2 while every block of A meets them.
const dotDepth = 2048

// useDot reports whether p is A·Bᵀ with both operands along k in memory and C small on one
// side: k long against a few rows or columns (the weight gradient of a layer with one input
// channel), or at most three rows (one output channel). There the outer-product kernels
// would spend most of their time transposing A and B into panels.
func useDot(p *problem) bool {
	return !p.transA && p.transB && p.n%4 == 0 && (p.m < 4 || min(p.m, p.n) <= 16 && p.k >= 1024)
}

// A dotPlan is one dot-product call, split between goroutines into blocks of up to four
// rows by chunks of columns. Each element is summed by one goroutine in a fixed order, so
// the bits do not depend on the number of goroutines.
type dotPlan struct {
	p              problem
	k              dotKernels
	chunks, chunkW int // column chunks per row block, and their width
}

var dotPlans freeList[dotPlan]

// runDot computes p, which useDot accepts, with k on up to procs goroutines.
func runDot(k dotKernels, procs int, p *problem) {
	d := dotPlans.get()
	if d == nil {
		d = new(dotPlan)
	}
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	procs = max(1, min(procs, int(flops/minWorkerFlops)))
	// Enough jobs for a few per goroutine: C with few rows is cut along its columns too.
	blocks := ceilDiv(p.m, 4)
	d.p, d.k = *p, k
	d.chunks = min(p.n/4, max(1, ceilDiv(chunksPerWorker*procs, blocks)))
	d.chunkW = roundUp(ceilDiv(p.n, d.chunks), 4)
	d.chunks = ceilDiv(p.n, d.chunkW)
	workers.Run(d, blocks*d.chunks, 1, procs)
	d.p = problem{}
	dotPlans.put(d)
}

// Run implements workers.Task over jobs [lo, hi): a block of rows by a chunk of columns.
func (d *dotPlan) Run(lo, hi int) {
	p := &d.p
	for job := lo; job < hi; job++ {
		i0, j0 := 4*(job/d.chunks), job%d.chunks*d.chunkW
		i1, j1 := min(p.m, i0+4), min(p.n, j0+d.chunkW)
		for k0 := 0; k0 < p.k; k0 += dotDepth {
			kk := min(dotDepth, p.k-k0)
			beta := p.beta
			if k0 > 0 {
				beta = 1
			}
			for j := j0; j < j1; j += 4 {
				b := &p.b[j*p.ldb+k0]
				if i1-i0 == 4 {
					d.k.four(kk/16, lowBits(kk%16), &p.a[i0*p.lda+k0], p.lda, b, p.ldb, &p.c[i0*p.ldc+j], p.ldc, p.alpha, beta)
					continue
				}
				for i := i0; i < i1; i++ {
					d.k.one(kk/16, lowBits(kk%16), &p.a[i*p.lda+k0], p.lda, b, p.ldb, &p.c[i*p.ldc+j], p.ldc, p.alpha, beta)
				}
			}
		}
	}
}

// lowBits is a mask of the n low bits, n ≤ 32.
func lowBits(n int) uint32 { return uint32(uint64(1)<<n - 1) }
