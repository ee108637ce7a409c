package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomRotation is an orthogonal matrix: the Q of a QR factorisation of a Gaussian matrix.
func randomRotation(dim int, rng *rand.Rand) *mat.Dense {
	a := mat.NewDense(dim, dim, nil)
	for i := 0; i < dim; i++ {
		for j := 0; j < dim; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// rotated is Q·diag(d)·Qᵀ.
func rotated(q *mat.Dense, d []float64) *mat.SymDense {
	var m mat.Dense
	m.Mul(q, mat.NewDiagDense(len(d), d))
	m.Mul(&m, q.T())
	n := len(d)
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	return s
}

func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

// TestFrechetClosedForm checks the distance between Gaussians given by their parameters
// against closed forms: covariances that share eigenvectors, where the distance is
// ‖μ₁−μ₂‖² + Σ(√λ₁ − √λ₂)², and 2×2 covariances that do not, where
// tr((Σ₁^½Σ₂Σ₁^½)^½) = √(tr(Σ₁Σ₂) + 2√(det Σ₁ det Σ₂)).
func TestFrechetClosedForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	t.Run("shared eigenvectors", func(t *testing.T) {
		const dim = 16
		q := randomRotation(dim, rng)
		l1, l2 := make([]float64, dim), make([]float64, dim)
		m1, m2 := make([]float64, dim), make([]float64, dim)
		want := 0.0
		for i := range l1 {
			l1[i], l2[i] = 0.1+3*rng.Float64(), 0.1+3*rng.Float64()
			m1[i], m2[i] = rng.NormFloat64(), rng.NormFloat64()
			want += (m1[i]-m2[i])*(m1[i]-m2[i]) + math.Pow(math.Sqrt(l1[i])-math.Sqrt(l2[i]), 2)
		}
		got, err := FrechetDistance(Gaussian{m1, rotated(q, l1)}, Gaussian{m2, rotated(q, l2)})
		if err != nil || !near(got, want, 1e-9) {
			t.Errorf("distance %v (%v), want %v", got, err, want)
		}
	})
	t.Run("2x2 not commuting", func(t *testing.T) {
		for trial := 0; trial < 20; trial++ {
			s1 := mat.NewSymDense(2, []float64{2 + rng.Float64(), 0.5, 0.5, 1 + rng.Float64()})
			s2 := mat.NewSymDense(2, []float64{0.5 + rng.Float64(), -0.3, -0.3, 3 + rng.Float64()})
			var p mat.Dense
			p.Mul(s1, s2)
			root := math.Sqrt(mat.Trace(&p) + 2*math.Sqrt(mat.Det(s1)*mat.Det(s2)))
			want := 1.0 + mat.Trace(s1) + mat.Trace(s2) - 2*root // means one apart on the first axis
			got, err := FrechetDistance(Gaussian{[]float64{1, 0}, s1}, Gaussian{[]float64{0, 0}, s2})
			if err != nil || !near(got, want, 1e-10) {
				t.Errorf("trial %d: distance %v (%v), want %v", trial, got, err, want)
			}
		}
	})
	t.Run("same Gaussian", func(t *testing.T) {
		q := randomRotation(8, rng)
		s := rotated(q, []float64{5, 1, 1, 0.5, 0.1, 0.01, 0, 0}) // singular, as few samples make
		g := Gaussian{make([]float64, 8), s}
		if got, err := FrechetDistance(g, g); err != nil || got > 1e-9 {
			t.Errorf("distance of a Gaussian to itself %v (%v), want 0", got, err)
		}
	})
	t.Run("dimensions differ", func(t *testing.T) {
		a := Gaussian{make([]float64, 2), mat.NewSymDense(2, nil)}
		b := Gaussian{make([]float64, 3), mat.NewSymDense(3, nil)}
		if _, err := FrechetDistance(a, b); err == nil {
			t.Error("no error for Gaussians of 2 and 3 dimensions")
		}
	})
}

// TestFrechetFromSamples fits Gaussians to samples of two known ones and checks the distance
// against the closed form within the sampling error.
func TestFrechetFromSamples(t *testing.T) {
	const dim, n = 4, 40000
	rng := rand.New(rand.NewPCG(3, 4))
	q := randomRotation(dim, rng)
	l1, l2 := []float64{1, 2, 0.5, 0.25}, []float64{4, 0.5, 0.5, 1}
	m1, m2 := []float64{0, 0, 0, 0}, []float64{1, -1, 0.5, 0}
	want := 0.0
	for i := range l1 {
		want += (m1[i]-m2[i])*(m1[i]-m2[i]) + math.Pow(math.Sqrt(l1[i])-math.Sqrt(l2[i]), 2)
	}
	// x = μ + Q·(√λ ⊙ z) has covariance Q·diag(λ)·Qᵀ.
	sample := func(mu []float64, l []float64) []float32 {
		out := make([]float32, 0, n*dim)
		z, x := mat.NewVecDense(dim, nil), mat.NewVecDense(dim, nil)
		for i := 0; i < n; i++ {
			for j := 0; j < dim; j++ {
				z.SetVec(j, math.Sqrt(l[j])*rng.NormFloat64())
			}
			x.MulVec(q, z)
			for j := 0; j < dim; j++ {
				out = append(out, float32(mu[j]+x.AtVec(j)))
			}
		}
		return out
	}
	a, err := FitGaussian(sample(m1, l1), dim)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FitGaussian(sample(m2, l2), dim)
	if err != nil {
		t.Fatal(err)
	}
	got, err := FrechetDistance(a, b)
	if err != nil || !near(got, want, 0.03) {
		t.Errorf("distance from %d samples each %v (%v), want %v within 3%%", n, got, err, want)
	}
	if _, err := FitGaussian(make([]float32, dim), dim); err == nil {
		t.Error("no error fitting a Gaussian to one vector")
	}
	if _, err := FitGaussian(make([]float32, 7), dim); err == nil {
		t.Error("no error fitting a Gaussian to 7 values of rows of 4")
	}
}

func TestClassifierScore(t *testing.T) {
	oneHot := func(classes int, labels ...int) []float64 {
		p := make([]float64, len(labels)*classes)
		for i, l := range labels {
			p[i*classes+l] = 1
		}
		return p
	}
	cases := []struct {
		name    string
		probs   []float64
		classes int
		want    float64
	}{
		{"confident and even", oneHot(4, 0, 1, 2, 3, 3, 2, 1, 0), 4, 4},
		{"confident, one class", oneHot(4, 2, 2, 2), 4, 1},
		{"undecided", []float64{0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25}, 4, 1},
		// p(y) = (¾, ¼): KL of (1, 0) is log 4/3, of (½, ½) is ½ log ⅔ + ½ log 2.
		{"mixed", []float64{1, 0, 0.5, 0.5}, 2, math.Exp((math.Log(4.0/3) + 0.5*math.Log(2.0/3) + 0.5*math.Log(2)) / 2)},
	}
	for _, c := range cases {
		got, err := ClassifierScore(c.probs, c.classes)
		if err != nil || !near(got, c.want, 1e-12) {
			t.Errorf("%s: score %v (%v), want %v", c.name, got, err, c.want)
		}
	}
	if _, err := ClassifierScore([]float64{0.5, 0.5, 1}, 2); err == nil {
		t.Error("no error for 3 probabilities in rows of 2")
	}
}
