package cpu_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// newRand returns a generator fixed by seed, so that a failure reproduces exactly.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// randn returns n draws from N(0, std²) rounded to float32, so that the float64 copy is
// exactly what the backend sees.
func randn(rng *rand.Rand, n int, std float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(float32(std * rng.NormFloat64()))
	}
	return v
}

// awayFromKinks moves every value within margin of a kink k to k ± margin (keeping its side),
// so that a central difference of step below margin never straddles the kink of ReLU,
// LeakyReLU or a hinge.
func awayFromKinks(v []float64, margin float64, kinks ...float64) []float64 {
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

// to32 and to64 convert between the backend's float32 and the tests' float64 values.
func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// tensorOf allocates a CPU tensor of shape holding v.
func tensorOf(b *cpu.Backend, v []float64, shape ...int) *nn.Tensor {
	t := b.New(shape...)
	if len(v) != t.Len() {
		panic(fmt.Sprintf("tensorOf: %d values for shape %v", len(v), nn.Shape(shape)))
	}
	b.Upload(t, to32(v))
	return t
}

// dot is Σ a·b accumulated in float64: the scalar loss L = Σ dout·f(x) whose gradient the
// backward passes compute.
func dot(a []float32, b []float64) float64 {
	var s float64
	for i, x := range a {
		s += float64(x) * b[i]
	}
	return s
}

// nmse is the normalised mean squared error mse(got, want)/mse(want, 0), the error measure
// of every comparison here: it is scale-free, so one tolerance fits gradients of any size.
// An all-zero want gives the plain mse of got, which is 0 only when got is zero too.
func nmse(got, want []float64) float64 {
	var num, den float64
	for i := range want {
		d := got[i] - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return num / float64(max(len(want), 1))
	}
	return num / den
}

// checkNMSE fails t when NMSE(got, want) exceeds tol, listing the worst elements with their
// index, and logs the error met either way so that `go test -v | grep nmse` reports it.
func checkNMSE(t *testing.T, what string, got, want []float64, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return math.Inf(1)
	}
	e := nmse(got, want)
	t.Logf("%s %s: nmse %.2e (tol %.0e)", t.Name(), what, e, tol)
	if e <= tol && !math.IsNaN(e) {
		return e
	}
	t.Errorf("%s: nmse %.3g above %.0e; worst: %s", what, e, tol, worst(got, want, 5))
	return e
}

// worst describes the n elements of got farthest from want, by index.
func worst(got, want []float64, n int) string {
	idx := make([]int, len(want))
	for i := range idx {
		idx[i] = i
	}
	diff := func(i int) float64 {
		d := math.Abs(got[i] - want[i])
		if math.IsNaN(d) {
			return math.Inf(1)
		}
		return d
	}
	sort.SliceStable(idx, func(a, b int) bool { return diff(idx[a]) > diff(idx[b]) })
	var parts []string
	for _, i := range idx[:min(n, len(idx))] {
		parts = append(parts, fmt.Sprintf("[%d] got %.6g want %.6g", i, got[i], want[i]))
	}
	return strings.Join(parts, ", ")
}

// scaled returns v times k.
func scaled(v []float64, k float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = k * x
	}
	return out
}
