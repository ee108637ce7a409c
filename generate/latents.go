package generate

import (
	"fmt"
	"math"

	"gogan/data"
	"gogan/train"
)

// Interpolate returns n latents (n ≥ 2) on the sphere between the fixed latents of seed and
// of seed+1, in a flat slice.
func Interpolate(seed uint64, n, nz int) []float32 {
	a, b := train.FixedLatents(seed, 1, nz), train.FixedLatents(seed+1, 1, nz)
	z := make([]float32, 0, n*nz)
	for i := 0; i < n; i++ {
		z = append(z, Slerp(a, b, float64(i)/float64(n-1))...)
	}
	return z
}

// ReadLatents reads an .npy of float32 latents shaped (N, nz) or (N, nz, 1, 1) and returns
// them with N.
func ReadLatents(path string, nz int) ([]float32, int, error) {
	a, err := data.ReadNPY(path)
	if err != nil {
		return nil, 0, err
	}
	dims := a.Shape
	if a.Float32 == nil {
		return nil, 0, fmt.Errorf("%s: latents must be float32 ('<f4'), not bytes", path)
	}
	if !(len(dims) == 2 && dims[1] == nz || len(dims) == 4 && dims[1] == nz && dims[2] == 1 && dims[3] == 1) {
		return nil, 0, fmt.Errorf("%s: latents of shape %v, want (N, %d) or (N, %d, 1, 1)", path, dims, nz, nz)
	}
	return a.Float32, dims[0], nil
}

// Slerp interpolates on the sphere, which keeps the intermediate latents at the norm that
// Gaussian latents have, unlike a straight line through the origin's neighbourhood.
func Slerp(a, b []float32, t float64) []float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	omega := math.Acos(max(-1, min(1, dot/math.Sqrt(na*nb))))
	out := make([]float32, len(a))
	for i := range a {
		if omega < 1e-6 {
			out[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
			continue
		}
		out[i] = float32((math.Sin((1-t)*omega)*float64(a[i]) + math.Sin(t*omega)*float64(b[i])) / math.Sin(omega))
	}
	return out
}
