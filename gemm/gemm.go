// Package gemm is gogan's single-precision matrix multiply on the CPU: the CPU backend's
// convolutions and linear layers run on it, and metrics computes its pairwise distances with
// it. It is a package of its own, outside cpu/, so that code above the backends may use it
// without reaching into a backend's internals.
//
// Sgemm follows the Goto/BLIS design: op(B) is cut into KC×NC blocks and op(A) into MC×KC
// blocks, each packed into contiguous panels that stay in cache, and a register-blocked
// MR×NR micro-kernel runs over the panels. On amd64 the micro-kernels are assembly for
// AVX-512F or AVX2+FMA, chosen from the CPU's features at start-up; elsewhere, or built with
// the purego tag, a pure-Go kernel does the same job.
//
// Skinny matrices, common in the first and last layers of a DCGAN, get their own handling:
// the AVX-512 path has narrower tiles (8×32, 4×32, 1×32, 16×16) chosen from the shape, reads
// an operand in place where packing it would cost more than it saves, and computes A·Bᵀ with
// a small C and a long k (a one-channel layer's weight gradient) as 4×4 tiles of dot
// products, with no packing at all. The goroutines come from a pool shared with the CPU
// backend's other ops (gogan/internal/workers); plans and buffers are kept between calls, so
// steady-state calls allocate nothing.
//
// Results are deterministic: the sum over k runs in the same order for every element, in
// fixed KC blocks, the kernel is chosen from the shape alone, and the work is split between
// goroutines along m or n only, so the same inputs give the same bits whatever GOMAXPROCS
// is. Different kernel families (AVX-512, AVX2, Go) round differently and agree only to
// float32 accuracy.
package gemm

//go:generate go run -C asm . -out ../kernel_amd64.s -stubs ../kernel_amd64.go

import (
	"fmt"
	"runtime"
)

// Sgemm computes C = alpha·op(A)·op(B) + beta·C on row-major matrices, where op(A) is m×k,
// op(B) is k×n and C is m×n; transA and transB select the transposes; lda, ldb and ldc are
// the row strides. A is m×k (lda ≥ k), or k×m (lda ≥ m) when transA; likewise B. As in BLAS,
// beta = 0 overwrites C without reading it, and alpha = 0 leaves A and B unread.
//
// Sgemm uses up to runtime.GOMAXPROCS(0) goroutines on large problems. It panics if a
// stride or slice is too short for the shape, which is a bug in the caller.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	p := problem{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}
	if err := p.check(); err != nil {
		panic("gemm.Sgemm: " + err.Error())
	}
	run(active, runtime.GOMAXPROCS(0), &p)
}

// problem holds the arguments of one Sgemm call.
type problem struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

// check reports shapes that would make Sgemm read or write outside its slices.
func (p *problem) check() error {
	if p.m < 0 || p.n < 0 || p.k < 0 {
		return fmt.Errorf("negative size m=%d n=%d k=%d", p.m, p.n, p.k)
	}
	ar, ac := p.m, p.k
	if p.transA {
		ar, ac = p.k, p.m
	}
	br, bc := p.k, p.n
	if p.transB {
		br, bc = p.n, p.k
	}
	if err := checkMatrix("A", ar, ac, p.a, p.lda); err != nil {
		return err
	}
	if err := checkMatrix("B", br, bc, p.b, p.ldb); err != nil {
		return err
	}
	return checkMatrix("C", p.m, p.n, p.c, p.ldc)
}

// checkMatrix checks that s holds a rows×cols row-major matrix with row stride ld.
func checkMatrix(name string, rows, cols int, s []float32, ld int) error {
	if ld < max(cols, 1) {
		return fmt.Errorf("%s is %d×%d but its stride is %d", name, rows, cols, ld)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		return fmt.Errorf("%s is %d×%d with stride %d, which needs %d elements, but has %d", name, rows, cols, ld, need, len(s))
	}
	return nil
}

// scaleC sets C = beta·C, with beta = 0 clearing C whatever it held.
func scaleC(p *problem) {
	for i := range p.m {
		row := p.c[i*p.ldc : i*p.ldc+p.n]
		if p.beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= p.beta
		}
	}
}
