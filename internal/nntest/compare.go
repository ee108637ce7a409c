package nntest

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
)

// NMSE is the normalised mean squared error mse(got, want)/mse(want, 0), the error measure
// of every comparison: it is scale-free, so one tolerance fits values of any size. An
// all-zero want gives the plain mse of got, which is 0 only when got is zero too.
func NMSE[T float32 | float64](got, want []T) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	if den == 0 {
		return num / float64(max(len(want), 1))
	}
	return num / den
}

// CheckNMSE fails t when NMSE(got, want) exceeds tol, or got has a value that is not finite
// where want's is, showing the first and the worst mismatches with their index. It logs the
// error met either way, so that `go test -v | grep nmse` reports it, and returns it.
func CheckNMSE[T float32 | float64](t testing.TB, what string, got, want []T, tol float64) float64 {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", what, len(got), len(want))
		return math.Inf(1)
	}
	e := NMSE(got, want)
	t.Logf("%s %s: nmse %.2e (tol %.0e)", t.Name(), what, e, tol)
	if e <= tol && !math.IsNaN(e) && finiteWhereWanted(got, want) {
		return e
	}
	t.Errorf("%s: nmse %.3g above %.0e; first mismatches: %s; worst: %s",
		what, e, tol, FirstMismatches(got, want, 4), Worst(got, want, 4))
	return e
}

func finiteWhereWanted[T float32 | float64](got, want []T) bool {
	for i := range got {
		if isFinite(float64(want[i])) && !isFinite(float64(got[i])) {
			return false
		}
	}
	return true
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// FirstMismatches lists, by index, up to n elements where got and want differ by more than
// 1e-4 of the largest |want|.
func FirstMismatches[T float32 | float64](got, want []T, n int) string {
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	var parts []string
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= 1e-4*max(scale, 1e-30)) {
			parts = append(parts, fmt.Sprintf("[%d] got %.9g want %.9g", i, got[i], want[i]))
			if len(parts) == n {
				break
			}
		}
	}
	if len(parts) == 0 {
		return "none above 1e-4 of the largest value (the error is spread thin)"
	}
	return strings.Join(parts, ", ")
}

// Worst describes the n elements of got farthest from want, by index.
func Worst[T float32 | float64](got, want []T, n int) string {
	idx := make([]int, len(want))
	for i := range idx {
		idx[i] = i
	}
	diff := func(i int) float64 {
		d := math.Abs(float64(got[i]) - float64(want[i]))
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
