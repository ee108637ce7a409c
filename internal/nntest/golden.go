package nntest

import (
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"gogan/checkpoints"
	"gogan/nn"
)

// GoldenDir is scripts/golden, where the PyTorch reference files live, found from this
// source file so that any package's tests can read them.
var GoldenDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "scripts", "golden")
}()

// Golden is one golden file, read for test T; a tensor that is missing or of another shape
// fails the test.
type Golden struct {
	T *testing.T
	F *checkpoints.File
}

// OpenGolden reads a golden file of GoldenDir, skipping the test when it has not been
// generated.
func OpenGolden(t *testing.T, name string) *Golden {
	t.Helper()
	path := filepath.Join(GoldenDir, name)
	f, err := checkpoints.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no golden file %s: run the scripts of scripts/golden to write it", path)
	}
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	return &Golden{t, f}
}

// For returns the same file read for a subtest.
func (g *Golden) For(t *testing.T) *Golden { return &Golden{t, g.F} }

// F64 returns a golden tensor's values, which must have the given shape if one is given.
func (g *Golden) F64(name string, shape ...int) []float64 {
	g.T.Helper()
	v, err := g.F.F64(name, shape...)
	if err != nil {
		g.T.Fatalf("%v", err)
	}
	return v
}

// Shape is the shape of a tensor the file must have.
func (g *Golden) Shape(name string) []int {
	g.T.Helper()
	info, ok := g.F.Info(name)
	if !ok {
		g.T.Fatalf("golden file lacks %s", name)
	}
	return info.Shape
}

// Tensor uploads a golden tensor to b, rounded to float32, with its own shape or the given one.
func (g *Golden) Tensor(b nn.Backend, name string, shape ...int) *nn.Tensor {
	g.T.Helper()
	v := g.F64(name)
	if len(shape) == 0 {
		shape = g.Shape(name)
	}
	return TensorOf(b, v, shape...)
}

// Check compares a result on b with the golden tensor of the same name, also logging the
// largest elementwise error relative to the largest reference value.
func (g *Golden) Check(b nn.Backend, name string, got *nn.Tensor, tol float64) {
	g.T.Helper()
	g.CheckValues(name, Values(b, got), tol)
}

// CheckValues is Check for values on the host.
func (g *Golden) CheckValues(name string, gv []float64, tol float64) {
	g.T.Helper()
	want := g.F64(name)
	CheckNMSE(g.T, name, gv, want, tol)
	var maxErr, maxRef float64
	for i := range want {
		maxErr = max(maxErr, math.Abs(gv[i]-want[i]))
		maxRef = max(maxRef, math.Abs(want[i]))
	}
	if len(gv) == len(want) && maxRef > 0 {
		g.T.Logf("%s %s: max error %.2e of max |value| %.3g", g.T.Name(), name, maxErr/maxRef, maxRef)
	}
}
