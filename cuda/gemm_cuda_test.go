//go:build cuda

package cuda

import (
	"fmt"
	"gogan/internal/nntest"
	"math/rand/v2"
	"testing"
)

// TestGemmAgainstNaiveLoop checks the row-major helper over cuBLAS for every pair of
// transposes, with row strides wider than the rows, against a triple loop in float64.
func TestGemmAgainstNaiveLoop(t *testing.T) {
	b := gpu(t)
	const m, n, k = 37, 19, 23
	const alpha, beta = 1.5, 0.5
	for _, transA := range []bool{false, true} {
		for _, transB := range []bool{false, true} {
			t.Run(fmt.Sprintf("transA=%v_transB=%v", transA, transB), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				// Row-major storage: op(A) is m×k, so A is m×k, or k×m when transposed.
				ra, ca := m, k
				if transA {
					ra, ca = k, m
				}
				rb, cb := k, n
				if transB {
					rb, cb = n, k
				}
				lda, ldb, ldc := ca+3, cb+1, n+2
				a, bm, c := randomHost(rng, ra*lda), randomHost(rng, rb*ldb), randomHost(rng, m*ldc)
				at, bt, ct := b.New(len(a)), b.New(len(bm)), b.New(len(c))
				defer b.Free(at)
				defer b.Free(bt)
				defer b.Free(ct)
				b.Upload(at, a)
				b.Upload(bt, bm)
				b.Upload(ct, c)
				pa, pb, pc := at.Device, bt.Device, ct.Device
				b.enqueue("gemm", func() error {
					return b.gemm(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc)
				})
				got := make([]float32, len(c))
				b.Download(got, ct)
				if err := b.Sync(); err != nil {
					t.Fatal(err)
				}
				opA := func(i, p int) float64 {
					if transA {
						return float64(a[p*lda+i])
					}
					return float64(a[i*lda+p])
				}
				opB := func(p, j int) float64 {
					if transB {
						return float64(bm[j*ldb+p])
					}
					return float64(bm[p*ldb+j])
				}
				want := append([]float32(nil), c...)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						var sum float64
						for p := 0; p < k; p++ {
							sum += opA(i, p) * opB(p, j)
						}
						want[i*ldc+j] = float32(alpha*sum + beta*float64(c[i*ldc+j]))
					}
				}
				nntest.CheckNMSE(t, "C", got, want, 1e-12)
				// The padding at the end of each row of C is not part of the matrix.
				for i := 0; i < m; i++ {
					for j := n; j < ldc; j++ {
						if got[i*ldc+j] != c[i*ldc+j] {
							t.Fatalf("C[%d][%d], past the %d columns, changed from %g to %g", i, j, n, c[i*ldc+j], got[i*ldc+j])
						}
					}
				}
			})
		}
	}
}

func randomHost(rng *rand.Rand, n int) []float32 {
	h := make([]float32, n)
	for i := range h {
		h[i] = float32(rng.NormFloat64())
	}
	return h
}
