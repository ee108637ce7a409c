//go:build cuda

package cuda

// gemm computes C = alpha·op(A)·op(B) + beta·C on row-major device matrices, where op(A) is
// m×k, op(B) is k×n and C is m×n, and lda, ldb and ldc are the row strides: the contract of
// the CPU backend's gemm.Sgemm. cuBLAS is column-major, and a row-major matrix is the
// column-major matrix of its transpose, so this asks cuBLAS for Cᵀ = op(B)ᵀ·op(A)ᵀ: the
// operands swap places and keep their transpose flags. It runs on the worker.
func (b *Backend) gemm(transA, transB bool, m, n, k int, alpha float32, a uintptr, lda int,
	bm uintptr, ldb int, beta float32, c uintptr, ldc int) error {
	if m == 0 || n == 0 {
		return nil
	}
	return b.blas.Sgemm(transB, transA, n, m, k, alpha, bm, ldb, a, lda, beta, c, ldc)
}
