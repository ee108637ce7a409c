package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// Gaussian is the mean and covariance of a set of feature vectors.
type Gaussian struct {
	Mean []float64
	Cov  *mat.SymDense
}

// FitGaussian computes the mean and the unbiased (N−1) covariance of n rows of dim features,
// given as one row-major slice, as numpy.cov and the reference FID code do.
func FitGaussian(x []float32, dim int) (Gaussian, error) {
	if dim < 1 || len(x)%dim != 0 {
		return Gaussian{}, fmt.Errorf("fit Gaussian: %d values are not rows of %d", len(x), dim)
	}
	n := len(x) / dim
	if n < 2 {
		return Gaussian{}, fmt.Errorf("fit Gaussian: %d feature vectors, need at least 2 for a covariance", n)
	}
	rows := mat.NewDense(n, dim, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < dim; j++ {
			rows.Set(i, j, float64(x[i*dim+j]))
		}
	}
	g := Gaussian{Mean: make([]float64, dim), Cov: mat.NewSymDense(dim, nil)}
	for j := range g.Mean {
		g.Mean[j] = stat.Mean(mat.Col(nil, j, rows), nil)
	}
	stat.CovarianceMatrix(g.Cov, rows, nil)
	return g, nil
}

// FrechetDistance is the squared Fréchet (2-Wasserstein) distance between two Gaussians,
//
//	‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½),
//
// in float64. The inner product is written symmetric, unlike the (Σ₁Σ₂)^½ of the reference
// FID code, so that both roots come from symmetric eigendecompositions, which are stable and
// real; the two forms have the same trace. Eigenvalues that rounding makes slightly negative
// are taken as zero, and so is a distance that rounding makes slightly negative.
func FrechetDistance(a, b Gaussian) (float64, error) {
	dim := len(a.Mean)
	if len(b.Mean) != dim || a.Cov.SymmetricDim() != dim || b.Cov.SymmetricDim() != dim {
		return 0, fmt.Errorf("Fréchet distance: Gaussians of %d and %d dimensions", dim, len(b.Mean))
	}
	var d2 float64
	for i := range a.Mean {
		d := a.Mean[i] - b.Mean[i]
		d2 += d * d
	}
	rootA, err := psdSqrt(a.Cov)
	if err != nil {
		return 0, err
	}
	var m mat.Dense
	m.Product(rootA, b.Cov, rootA)
	inner := mat.NewSymDense(dim, nil)
	for i := 0; i < dim; i++ {
		for j := i; j < dim; j++ {
			inner.SetSym(i, j, (m.At(i, j)+m.At(j, i))/2)
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(inner, false) {
		return 0, fmt.Errorf("Fréchet distance: eigendecomposition of Σ₁^½ Σ₂ Σ₁^½ did not converge")
	}
	var trRoot float64
	for _, v := range eig.Values(nil) {
		trRoot += math.Sqrt(math.Max(v, 0))
	}
	return math.Max(0, d2+mat.Trace(a.Cov)+mat.Trace(b.Cov)-2*trRoot), nil
}

// psdSqrt is the symmetric square root V·diag(√λ)·Vᵀ of a positive semi-definite matrix.
func psdSqrt(s *mat.SymDense) (*mat.Dense, error) {
	var eig mat.EigenSym
	if !eig.Factorize(s, true) {
		return nil, fmt.Errorf("Fréchet distance: eigendecomposition of a covariance did not converge")
	}
	var v mat.Dense
	eig.VectorsTo(&v)
	vals := eig.Values(nil)
	n := len(vals)
	scaled := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			scaled.Set(i, j, v.At(i, j)*math.Sqrt(math.Max(vals[j], 0)))
		}
	}
	var root mat.Dense
	root.Mul(scaled, v.T())
	return &root, nil
}
