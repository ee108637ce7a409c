package metrics

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// grid returns side×side points spaced one apart in the first two of dim coordinates, moved by
// offset and jittered by up to jitter in every coordinate.
func grid(side, dim int, offset, jitter float64, rng *rand.Rand) [][]float64 {
	var pts [][]float64
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			p := make([]float64, dim)
			p[0], p[1] = offset+float64(x), offset+float64(y)
			for i := range p {
				p[i] += jitter * (2*rng.Float64() - 1)
			}
			pts = append(pts, p)
		}
	}
	return pts
}

func flatten(pts [][]float64) []float32 {
	var out []float32
	for _, p := range pts {
		for _, v := range p {
			out = append(out, float32(v))
		}
	}
	return out
}

func manifold(t *testing.T, pts [][]float64) *Manifold {
	t.Helper()
	m, err := NewManifold(flatten(pts), len(pts[0]), Neighbours)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPrecisionRecallConstructed uses point sets whose answers follow from their layout: the
// real points are two grids far apart, the generated ones copy one grid with a jitter far
// below the spacing, plus a line of outliers far from everything.
func TestPrecisionRecallConstructed(t *testing.T) {
	const dim = 8
	rng := rand.New(rand.NewPCG(5, 6))
	real := append(grid(5, dim, 0, 0, rng), grid(5, dim, 1000, 0, rng)...) // 50 points
	fake := grid(5, dim, 0, 0.05, rng)                                     // 25 inside
	for i := 0; i < 15; i++ {                                              // 15 outside
		p := make([]float64, dim)
		p[0], p[2] = 5000+float64(i), 5000
		fake = append(fake, p)
	}
	precision, recall, err := PrecisionRecall(manifold(t, real), manifold(t, fake))
	if err != nil {
		t.Fatal(err)
	}
	if precision != 25.0/40 || recall != 25.0/50 {
		t.Errorf("precision %v, recall %v; want %v and %v", precision, recall, 25.0/40, 25.0/50)
	}
	// Against itself every point is inside.
	m := manifold(t, real)
	if p, r, _ := PrecisionRecall(m, m); p != 1 || r != 1 {
		t.Errorf("a set against itself: precision %v, recall %v, want 1 and 1", p, r)
	}
	// A generated set collapsed to one real point is precise but recalls almost nothing:
	// only the real points within its balls, which are of zero radius.
	collapsed := make([][]float64, 10)
	for i := range collapsed {
		collapsed[i] = append([]float64(nil), real[12]...)
	}
	p, r, _ := PrecisionRecall(manifold(t, real), manifold(t, collapsed))
	if p != 1 || r != 1.0/50 {
		t.Errorf("collapsed set: precision %v, recall %v, want 1 and %v", p, r, 1.0/50)
	}
}

// bruteRadii are the squared distances to the k-th nearest other point, by sorting.
func bruteRadii(pts [][]float64, k int) []float64 {
	out := make([]float64, len(pts))
	for i, p := range pts {
		var d []float64
		for j, q := range pts {
			if j != i {
				d = append(d, dist2(p, q))
			}
		}
		sort.Float64s(d)
		out[i] = d[k-1]
	}
	return out
}

func dist2(p, q []float64) float64 {
	var s float64
	for i := range p {
		s += (p[i] - q[i]) * (p[i] - q[i])
	}
	return s
}

// bruteCoverage is the fraction of queries within the ball of some point of pts.
func bruteCoverage(pts [][]float64, radii []float64, queries [][]float64) float64 {
	in := 0
	for _, q := range queries {
		for j, p := range pts {
			if dist2(p, q) <= radii[j] {
				in++
				break
			}
		}
	}
	return float64(in) / float64(len(queries))
}

// TestManifoldAgainstBruteForce compares the blocked matrix-multiply path with plain loops on
// random point clouds of two different Gaussians, with blocks small enough that both sets span
// several.
func TestManifoldAgainstBruteForce(t *testing.T) {
	saved := blockValues
	blockValues = 1000
	defer func() { blockValues = saved }()
	rng := rand.New(rand.NewPCG(7, 8))
	cloud := func(n, dim int, scale, shift float64) [][]float64 {
		pts := make([][]float64, n)
		for i := range pts {
			pts[i] = make([]float64, dim)
			for j := range pts[i] {
				pts[i][j] = shift + scale*rng.NormFloat64()
			}
		}
		return pts
	}
	real, fake := cloud(300, 6, 1, 0), cloud(250, 6, 1.5, 0.7)
	rm, fm := manifold(t, real), manifold(t, fake)
	rr, fr := bruteRadii(real, Neighbours), bruteRadii(fake, Neighbours)
	for i := range rr {
		if !near(rm.radii[i], rr[i], 1e-5) {
			t.Fatalf("radius² of real point %d: %v, want %v", i, rm.radii[i], rr[i])
		}
	}
	precision, recall, err := PrecisionRecall(rm, fm)
	if err != nil {
		t.Fatal(err)
	}
	wantP, wantR := bruteCoverage(real, rr, fake), bruteCoverage(fake, fr, real)
	if wantP < 0.2 || wantP > 0.95 || wantR < 0.2 || wantR > 0.95 {
		t.Fatalf("the clouds overlap too little or too much to test anything: %v, %v", wantP, wantR)
	}
	if math.Abs(precision-wantP) > 1.0/250 || math.Abs(recall-wantR) > 1.0/300 {
		t.Errorf("precision %v, recall %v; loops give %v and %v", precision, recall, wantP, wantR)
	}
}

func TestManifoldErrors(t *testing.T) {
	if _, err := NewManifold(make([]float32, 3*4), 4, 3); err == nil {
		t.Error("no error for 3 points and k = 3")
	}
	if _, err := NewManifold(make([]float32, 10), 4, 3); err == nil {
		t.Error("no error for 10 values in rows of 4")
	}
	a, _ := NewManifold(make([]float32, 5*4), 4, 3)
	b, _ := NewManifold(make([]float32, 5*2), 2, 3)
	if _, _, err := PrecisionRecall(a, b); err == nil {
		t.Error("no error for features of 4 and 2 dimensions")
	}
}
