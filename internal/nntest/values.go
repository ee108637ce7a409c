package nntest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gogan/nn"
)

// NewRand returns a generator fixed by seed, so that a failure reproduces exactly.
func NewRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// Randn returns n draws from N(0, std²) rounded to float32, so that the float64 copy is
// exactly what a backend sees.
func Randn(rng *rand.Rand, n int, std float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(std * rng.NormFloat64()))
	}
	return v
}

// AwayFromKinks moves every value within margin of a kink k to k ± margin (keeping its side),
// so that a central difference of step below margin never straddles the kink of ReLU,
// LeakyReLU or a hinge.
func AwayFromKinks(v []float64, margin float64, kinks ...float64) []float64 {
	for i, x := range v {
		for _, k := range kinks {
			if d := x - k; math.Abs(d) < margin {
				if d < 0 {
					x = k - margin
				} else {
					x = k + margin
				}
			}
		}
		v[i] = float64(float32(x))
	}
	return v
}

// To32 and To64 convert between a backend's float32 and the tests' float64 values.
func To32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func To64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// Scaled returns v times k.
func Scaled(v []float64, k float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = k * x
	}
	return out
}

// Dot is Σ a·b accumulated in float64: the scalar loss L = Σ dout·f(x) whose gradient the
// backward passes compute.
func Dot(a []float32, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += float64(x) * b[i]
	}
	return s
}

// TensorOf allocates a tensor of shape on b holding v.
func TensorOf(b nn.Backend, v []float64, shape ...int) *nn.Tensor {
	t := b.New(shape...)
	if len(v) != t.Len() {
		panic(fmt.Sprintf("nntest: %d values for shape %v", len(v), nn.Shape(shape)))
	}
	b.Upload(t, To32(v))
	return t
}

// Values downloads t from b as float64.
func Values(b nn.Backend, t *nn.Tensor) []float64 {
	host := make([]float32, t.Len())
	b.Download(host, t)
	return To64(host)
}
