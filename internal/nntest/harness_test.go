package nntest_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// recorder is a testing.TB that keeps the failures of the checks it is given, so that the
// harness can be shown to fail where it must.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Logf(string, ...any) {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// Fatalf records the failure and stops the check, as testing's Fatalf stops a test.
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	panic(r)
}

func record(t *testing.T, check func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if v := recover(); v != nil && v != r {
				panic(v)
			}
		}()
		check(r)
	}()
	return r.errors
}

func TestCheckNMSE(t *testing.T) {
	want := []float64{1, -2, 3, 0}
	for _, c := range []struct {
		name string
		got  []float64
		tol  float64
		fail string // a part of the failure, "" for none
	}{
		{"equal", []float64{1, -2, 3, 0}, 0, ""},
		{"within the tolerance", []float64{1, -2, 3.001, 0}, 1e-6, ""},
		{"above the tolerance", []float64{1, -2, 3.1, 0}, 1e-6, "first mismatches: [2] got 3.1 want 3"},
		{"NaN", []float64{1, math.NaN(), 3, 0}, 1, "[1] got NaN want -2"},
		{"infinite where want is finite", []float64{1, -2, 3, math.Inf(1)}, math.Inf(1), "[3] got +Inf want 0"},
		{"length", []float64{1, -2, 3}, 1, "3 values, want 4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			errs := record(t, func(tb testing.TB) { nntest.CheckNMSE(tb, "v", c.got, want, c.tol) })
			switch {
			case c.fail == "" && len(errs) > 0:
				t.Errorf("failed: %v", errs)
			case c.fail != "" && (len(errs) != 1 || !strings.Contains(errs[0], c.fail)):
				t.Errorf("failures %q, want one containing %q", errs, c.fail)
			}
		})
	}
}

// halvedLinearDX is the CPU backend with a wrong Linear backward pass: dx comes out halved.
type halvedLinearDX struct{ *cpu.Backend }

func (b halvedLinearDX) LinearBackward(dx, dw, db, dout, x, w *nn.Tensor) {
	b.Backend.LinearBackward(dx, dw, db, dout, x, w)
	if dx != nil {
		for i := range dx.Host {
			dx.Host[i] /= 2
		}
	}
}

// TestGradcheckCatchesAWrongGradient runs the finite-difference check of Linear on a backend
// whose dx is halved: only dx must fail, against the finite differences.
func TestGradcheckCatchesAWrongGradient(t *testing.T) {
	var linear nntest.GradCase
	for _, c := range nntest.GradCases() {
		if strings.HasPrefix(c.Name, "Linear(") {
			linear = c
			break
		}
	}
	if linear.Name == "" {
		t.Fatal("no Linear case among nntest.GradCases")
	}
	if errs := record(t, func(tb testing.TB) { nntest.Gradcheck(tb, cpu.New(), linear) }); len(errs) > 0 {
		t.Fatalf("the right backend fails: %v", errs)
	}
	errs := record(t, func(tb testing.TB) { nntest.Gradcheck(tb, halvedLinearDX{cpu.New()}, linear) })
	if len(errs) != 1 || !strings.HasPrefix(errs[0], "dx vs finite differences: nmse 0.25 ") {
		t.Errorf("failures %q, want one: dx vs finite differences with NMSE 0.25", errs)
	}
}
