package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// testCase is one Sgemm call: shapes, transposes, scalars and the padding of each stride.
type testCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	padA, padB     int // extra floats per row beyond what the shape needs
	padC           int
	nanC           bool // fill C with NaN, which beta = 0 must ignore
}

func (tc testCase) String() string {
	t := func(b bool) string { return map[bool]string{false: "N", true: "T"}[b] }
	s := fmt.Sprintf("%s%s_%dx%dx%d_a%g_b%g", t(tc.transA), t(tc.transB), tc.m, tc.n, tc.k, tc.alpha, tc.beta)
	if tc.padA+tc.padB+tc.padC > 0 {
		s += fmt.Sprintf("_pad%d,%d,%d", tc.padA, tc.padB, tc.padC)
	}
	if tc.nanC {
		s += "_nanC"
	}
	return s
}

// operands are a test case's matrices; C's padding, and A's and B's, hold sentinels that
// must survive untouched (C) or never reach the result (A and B hold NaN there).
type operands struct {
	p     problem
	cInit []float32
}

func (tc testCase) operands(rng *rand.Rand) operands {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc := max(ac+tc.padA, 1), max(bc+tc.padB, 1), max(tc.n+tc.padC, 1)
	a := randMatrix(rng, ar, ac, lda, float32(math.NaN()))
	b := randMatrix(rng, br, bc, ldb, float32(math.NaN()))
	c := randMatrix(rng, tc.m, tc.n, ldc, 12345)
	if tc.nanC {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return operands{
		p:     problem{tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc},
		cInit: append([]float32(nil), c...),
	}
}

// randMatrix returns a rows×cols matrix of values in [-1, 1) with stride ld, its padding
// set to pad.
func randMatrix(rng *rand.Rand, rows, cols, ld int, pad float32) []float32 {
	s := make([]float32, max(rows*ld, 1))
	for i := range s {
		s[i] = pad
		if i%ld < cols {
			s[i] = 2*rng.Float32() - 1
		}
	}
	return s
}

// reference computes alpha·op(A)·op(B) + beta·C in float64 and, per element, the bound
// |alpha|·Σ|a||b| + |beta·c| that scales its rounding error.
func reference(o operands) (want, scale []float64) {
	p := o.p
	want, scale = make([]float64, p.m*p.n), make([]float64, p.m*p.n)
	for i := range p.m {
		for j := range p.n {
			var sum, abs float64
			for q := range p.k {
				ia, ib := i*p.lda+q, q*p.ldb+j
				if p.transA {
					ia = q*p.lda + i
				}
				if p.transB {
					ib = j*p.ldb + q
				}
				ai, bj := p.a[ia], p.b[ib]
				sum += float64(ai) * float64(bj)
				abs += math.Abs(float64(ai) * float64(bj))
			}
			w, s := float64(p.alpha)*sum, math.Abs(float64(p.alpha))*abs
			if p.beta != 0 {
				c := float64(o.cInit[i*p.ldc+j])
				w += float64(p.beta) * c
				s += math.Abs(float64(p.beta) * c)
			}
			want[i*p.n+j], scale[i*p.n+j] = w, s
		}
	}
	return want, scale
}

// checkResult compares C with the reference: by NMSE, element by element against the
// rounding bound, and the padding of C for writes outside the matrix.
func checkResult(t *testing.T, o operands, want, scale []float64) {
	t.Helper()
	p := o.p
	var errSum, refSum float64
	var bad []string
	for i := range p.m {
		for j := range p.n {
			got, w := float64(p.c[i*p.ldc+j]), want[i*p.n+j]
			errSum += (got - w) * (got - w)
			refSum += w * w
			// Float32 accumulation of k products errs by at most about k·ε·Σ|a||b|;
			// 4·(k+2)·ε leaves room for the scaling by alpha and beta.
			tol := 4 * float64(p.k+2) * 0x1p-24 * scale[i*p.n+j]
			if !(math.Abs(got-w) <= tol) && len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("C[%d][%d] = %g, want %g (tolerance %.3g)", i, j, got, w, tol))
			}
		}
		for j := p.n; j < p.ldc && i*p.ldc+j < len(p.c); j++ {
			if got, w := p.c[i*p.ldc+j], o.cInit[i*p.ldc+j]; got != w && len(bad) < 5 {
				bad = append(bad, fmt.Sprintf("padding C[%d][%d] changed from %g to %g", i, j, w, got))
			}
		}
	}
	if refSum > 0 {
		if nmse := errSum / refSum; !(nmse <= 1e-10) {
			bad = append(bad, fmt.Sprintf("NMSE %.3g > 1e-10", nmse))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d×%d result wrong:\n%s", p.m, p.n, strings.Join(bad, "\n"))
	}
}

// shapeCases covers edges: sizes of 1, primes, sizes around the tiles of every path, operands
// read in place, all four transposes, padded strides, general alpha and beta, and NaN in C under beta = 0.
func shapeCases() []testCase {
	var cases []testCase
	sizes := [][3]int{
		{1, 1, 1}, {1, 64, 37}, {37, 1, 64}, {5, 7, 1}, {2, 3, 5},
		{6, 16, 8}, {12, 32, 9}, {13, 33, 17}, {11, 31, 64}, {24, 64, 40},
		{37, 71, 53}, {50, 100, 300}, {97, 45, 257}, {130, 70, 513},
		// Few rows and whole panels of columns: the operands are read in place, not packed.
		{16, 96, 70}, {8, 64, 300}, {24, 128, 33},
		// A small C and a long k: dot products for A·Bᵀ, across their blocks of k and
		// with a partial block of 16 at the end.
		{64, 16, 1100}, {8, 40, 2051}, {16, 4, 4099}, {6, 12, 1500},
		// One to three rows: dot products whatever k.
		{3, 200, 50}, {1, 2304, 64}, {2, 8, 17},
	}
	for _, s := range sizes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				cases = append(cases, testCase{transA: ta, transB: tb, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0})
			}
		}
	}
	for i, s := range sizes[4:] {
		ta, tb := i%2 == 1, i/2%2 == 1
		cases = append(cases,
			testCase{transA: ta, transB: tb, m: s[0], n: s[1], k: s[2], alpha: -1.5, beta: 1, padA: 3, padB: 5, padC: 7},
			testCase{transA: tb, transB: ta, m: s[0], n: s[1], k: s[2], alpha: 0.75, beta: 0.5, padA: 1, padC: 2},
			testCase{transA: !ta, transB: tb, m: s[0], n: s[1], k: s[2], alpha: 2, beta: 0, padB: 4, nanC: true},
		)
	}
	return append(cases,
		testCase{m: 9, n: 20, k: 0, alpha: 1, beta: 0.5},
		testCase{m: 9, n: 20, k: 5, alpha: 0, beta: 0.5},
		testCase{m: 9, n: 20, k: 5, alpha: 0, beta: 0, nanC: true},
		testCase{m: 0, n: 20, k: 5, alpha: 1, beta: 0.5},
	)
}

// testPaths is every path this CPU supports: each tile on its own, with its usual blocks and
// with blocks shrunk to a few tiles so that small shapes cross the KC, MC and NC block edges
// and the k spans of shared operands, and each family whole, choosing its tile by shape.
func testPaths() []*path {
	var ps []*path
	for _, p := range supportedPaths() {
		for _, k := range append([]*path{p}, p.variants...) {
			name := k.name
			if len(p.variants) > 0 && k == p {
				name += "-" + fmt.Sprint(k.mr) + "x" + fmt.Sprint(k.nr)
			}
			ps = append(ps,
				&path{name: name, mr: k.mr, nr: k.nr, kc: k.kc, mc: k.mc, nc: k.nc,
					kernel: k.kernel, copy: k.copy, transpose: k.transpose},
				&path{name: name + "-smallblocks", mr: k.mr, nr: k.nr, kc: 16, mc: 2 * k.mr, nc: 3 * k.nr,
					maxShared: 5 * 16 * 32, kernel: k.kernel, copy: k.copy, transpose: k.transpose})
		}
		if len(p.variants) > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

func TestPathsMatchReference(t *testing.T) {
	for _, pth := range testPaths() {
		t.Run(pth.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			for _, tc := range shapeCases() {
				t.Run(tc.String(), func(t *testing.T) {
					o := tc.operands(rng)
					want, scale := reference(o)
					run(pth, 1, &o.p)
					checkResult(t, o, want, scale)
				})
			}
		})
	}
}

// TestThreadsGiveSameBits checks that the split between goroutines, along m or along n,
// changes no bit of the result.
func TestThreadsGiveSameBits(t *testing.T) {
	cases := []testCase{
		{m: 203, n: 517, k: 300, alpha: 1, beta: 0.5},                 // split along n
		{transA: true, m: 517, n: 203, k: 129, alpha: -1, beta: 1},    // split along m
		{transB: true, m: 64, n: 1000, k: 700, alpha: 0.5, beta: 0},   // k over several blocks
		{transA: true, transB: true, m: 250, n: 250, k: 90, alpha: 1}, // square
		{transB: true, m: 64, n: 16, k: 5000, alpha: 1, beta: 1},      // dot products
		{transB: true, m: 1, n: 2304, k: 64, alpha: 1, beta: 0},       // dot products, one row
	}
	for _, pth := range testPaths() {
		for _, tc := range cases {
			t.Run(pth.name+"/"+tc.String(), func(t *testing.T) {
				o := tc.operands(rand.New(rand.NewPCG(3, 4)))
				run(pth, 1, &o.p)
				one := append([]float32(nil), o.p.c...)
				for _, workers := range []int{2, 3, 4, 7} {
					copy(o.p.c, o.cInit)
					run(pth, workers, &o.p)
					for i := range one {
						if math.Float32bits(o.p.c[i]) != math.Float32bits(one[i]) {
							t.Fatalf("%d workers: C[%d] = %g, one worker gave %g", workers, i, o.p.c[i], one[i])
						}
					}
				}
			})
		}
	}
}

// TestPathsAgree runs every supported path on the same operands and compares them with the
// first, by NMSE, on shapes where the kernels' tiles and blocks fall differently.
func TestPathsAgree(t *testing.T) {
	paths := supportedPaths()
	if len(paths) < 2 {
		t.Skip("this CPU supports only the pure-Go path")
	}
	for _, tc := range []testCase{
		{m: 100, n: 300, k: 600, alpha: 1, beta: 0},
		{transA: true, transB: true, m: 61, n: 97, k: 283, alpha: 0.5, beta: 0.5},
	} {
		t.Run(tc.String(), func(t *testing.T) {
			o := tc.operands(rand.New(rand.NewPCG(5, 6)))
			run(paths[0], 2, &o.p)
			first := append([]float32(nil), o.p.c...)
			for _, pth := range paths[1:] {
				copy(o.p.c, o.cInit)
				run(pth, 2, &o.p)
				var errSum, refSum float64
				for i := range first {
					d := float64(o.p.c[i]) - float64(first[i])
					errSum += d * d
					refSum += float64(first[i]) * float64(first[i])
				}
				if nmse := errSum / refSum; !(nmse <= 1e-12) {
					t.Errorf("%s against %s: NMSE %.3g > 1e-12", pth.name, paths[0].name, nmse)
				}
			}
		})
	}
}

func TestSgemmRejectsShortOperands(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func()
		want string
	}{
		{"short stride", func() {
			Sgemm(false, false, 2, 3, 4, 1, make([]float32, 8), 3, make([]float32, 12), 3, 0, make([]float32, 6), 3)
		}, "A is 2×4 but its stride is 3"},
		{"short slice", func() {
			Sgemm(false, true, 2, 3, 4, 1, make([]float32, 8), 4, make([]float32, 11), 4, 0, make([]float32, 6), 3)
		}, "B is 3×4 with stride 4, which needs 12 elements, but has 11"},
		{"negative size", func() {
			Sgemm(false, false, -1, 3, 4, 1, nil, 4, nil, 3, 0, nil, 3)
		}, "negative size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Errorf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

// TestSteadyStateDoesNotAllocate checks that repeated calls reuse their buffers, on one
// goroutine and on several.
func TestSteadyStateDoesNotAllocate(t *testing.T) {
	for _, tc := range []testCase{
		{m: 20, n: 30, k: 40, alpha: 1},                             // one goroutine
		{transA: true, m: 300, n: 200, k: 100, alpha: 1, beta: 1},   // split along n
		{transB: true, m: 1000, n: 20, k: 300, alpha: 1, beta: 0.5}, // split along m
		{transB: true, m: 64, n: 16, k: 3000, alpha: 1, beta: 1},    // dot products
	} {
		o := tc.operands(rand.New(rand.NewPCG(11, 12)))
		p := o.p
		call := func() {
			Sgemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, p.c, p.ldc)
		}
		call()
		if n := testing.AllocsPerRun(10, call); n > 0 {
			t.Errorf("%v: %.1f allocations per call", tc, n)
		}
	}
}
