package metrics

import (
	"fmt"
	"runtime"
	"sync"

	"gogan/gemm"
)

// Neighbours is the k of the k-nearest-neighbour manifolds, the value Kynkäänniemi et al.
// recommend.
const Neighbours = 3

// Manifold is a set of feature vectors, each the centre of a ball that reaches its k-th
// nearest neighbour in the set; the union of the balls estimates the support of the
// distribution the vectors come from.
type Manifold struct {
	X      []float32 // (N, Dim), row-major
	N, Dim int
	K      int
	norms  []float64 // ‖x‖² of each point
	radii  []float64 // squared radius of each point's ball
}

// NewManifold builds the manifold of n rows of dim features with balls reaching the k-th
// nearest other point. A point's duplicates count as neighbours at distance zero.
func NewManifold(x []float32, dim, k int) (*Manifold, error) {
	if dim < 1 || len(x)%dim != 0 {
		return nil, fmt.Errorf("manifold: %d values are not rows of %d", len(x), dim)
	}
	m := &Manifold{X: x, N: len(x) / dim, Dim: dim, K: k}
	if k < 1 || m.N <= k {
		return nil, fmt.Errorf("manifold: %d points are too few for k = %d nearest neighbours", m.N, k)
	}
	m.norms = squaredNorms(x, dim)
	m.radii = make([]float64, m.N)
	distanceBlocks(m, m, func(lo, rows int, d []float32) {
		parallelRange(rows, func(i int) {
			// The point itself is among its k+1 nearest, at distance zero.
			m.radii[lo+i] = kthSmallest(d[i*m.N:(i+1)*m.N], k+1)
		})
	})
	return m, nil
}

// PrecisionRecall compares the manifolds of real and generated features: precision is the
// fraction of generated points inside the real manifold (within the ball of some real point),
// recall the fraction of real points inside the generated manifold. Points on a ball's edge
// count as inside, as in the reference implementation.
func PrecisionRecall(real, fake *Manifold) (precision, recall float64, err error) {
	if real.Dim != fake.Dim {
		return 0, 0, fmt.Errorf("precision and recall: features of %d and %d dimensions", real.Dim, fake.Dim)
	}
	fakeIn := make([]bool, fake.N)
	realIn := make([]bool, real.N)
	distanceBlocks(fake, real, func(lo, rows int, d []float32) {
		parallelRange(rows, func(i int) {
			row := d[i*real.N : (i+1)*real.N]
			for j, v := range row {
				if float64(v) <= real.radii[j] {
					fakeIn[lo+i] = true
					break
				}
			}
		})
		parallelRange(real.N, func(j int) {
			for i := 0; i < rows && !realIn[j]; i++ {
				realIn[j] = float64(d[i*real.N+j]) <= fake.radii[lo+i]
			}
		})
	})
	return fraction(fakeIn), fraction(realIn), nil
}

func fraction(in []bool) float64 {
	c := 0
	for _, v := range in {
		if v {
			c++
		}
	}
	return float64(c) / float64(len(in))
}

func squaredNorms(x []float32, dim int) []float64 {
	out := make([]float64, len(x)/dim)
	for i := range out {
		var s float64
		for _, v := range x[i*dim : (i+1)*dim] {
			s += float64(v) * float64(v)
		}
		out[i] = s
	}
	return out
}

// blockValues bounds the distance block, and so the memory, of distanceBlocks: 16 MB.
var blockValues = 1 << 22

// refineBelow marks distances too small, next to the norms they come from, for the
// matrix-multiply form to resolve: those are computed again directly.
const refineBelow = 1e-3

// distanceBlocks calls fn with the squared distances between rows lo..lo+rows of a and every
// row of b, d[i·b.N + j] for a's row lo+i and b's row j, block after block of a's rows. They
// come from ‖x‖² + ‖y‖² − 2x·y with the products from one matrix multiply per block, the only
// way to make the N² distances of ten thousand points fast. That form loses the small
// distances of near neighbours to cancellation (a duplicate would come out a little above or
// below zero), so those are computed again from the differences, in float64.
func distanceBlocks(a, b *Manifold, fn func(lo, rows int, d []float32)) {
	block := max(1, min(a.N, blockValues/b.N))
	d := make([]float32, block*b.N)
	for lo := 0; lo < a.N; lo += block {
		rows := min(block, a.N-lo)
		gemm.Sgemm(false, true, rows, b.N, a.Dim, -2, a.X[lo*a.Dim:], a.Dim, b.X, b.Dim, 0, d, b.N)
		parallelRange(rows, func(i int) {
			row, x := d[i*b.N:(i+1)*b.N], a.X[(lo+i)*a.Dim:(lo+i+1)*a.Dim]
			for j := range row {
				sum := a.norms[lo+i] + b.norms[j]
				v := sum + float64(row[j])
				if v < refineBelow*sum {
					v = squaredDistance(x, b.X[j*b.Dim:(j+1)*b.Dim])
				}
				row[j] = float32(v)
			}
		})
		fn(lo, rows, d[:rows*b.N])
	}
}

func squaredDistance(x, y []float32) float64 {
	var s float64
	for i := range x {
		d := float64(x[i]) - float64(y[i])
		s += d * d
	}
	return s
}

// kthSmallest returns the k-th smallest value of d (k = 1 is the minimum), widened to float64.
func kthSmallest(d []float32, k int) float64 {
	best := make([]float32, 0, k) // the k smallest so far, ascending
	for _, v := range d {
		if len(best) == k && v >= best[k-1] {
			continue
		}
		if len(best) < k {
			best = append(best, v)
		} else {
			best[k-1] = v
		}
		for i := len(best) - 1; i > 0 && best[i] < best[i-1]; i-- {
			best[i], best[i-1] = best[i-1], best[i]
		}
	}
	return float64(best[k-1])
}

// parallelRange calls fn for every index in [0, n), spread over the cores; each index is
// visited once, so writes to per-index outputs need no locking.
func parallelRange(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
}
