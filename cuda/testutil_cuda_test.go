//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// The test binary starts only where the driver found a GPU: elsewhere package guard reports
// the reason and exits before any test (see make test-cuda). One backend serves every test,
// as starting one compiles all the kernels.
var (
	shared     *Backend
	sharedErr  error
	sharedOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close the shared backend:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// gpu returns the shared backend, failing the test when it cannot start.
func gpu(t testing.TB) *Backend {
	t.Helper()
	sharedOnce.Do(func() {
		var b nn.Backend
		b, sharedErr = New(Options{})
		if sharedErr == nil {
			shared = b.(*Backend)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	if err := shared.Sync(); err != nil {
		t.Fatalf("the shared backend failed in an earlier test: %v", err)
	}
	return shared
}

// backends are the CPU reference and the GPU, in that order.
func backends(t testing.TB) []nn.Backend { return []nn.Backend{cpu.New(), gpu(t)} }

// nmse is the normalised mean squared error of got against want: mse(got, want)/mse(want, 0),
// or the plain mse when want is all zeros.
func nmse(got, want []float32) float64 {
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

// compare fails the test when got differs from want by more than tol in NMSE, or has a
// value that is not finite where want's is, and shows the first mismatches with their index.
func compare(t testing.TB, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, want %d", name, len(got), len(want))
		return
	}
	e := nmse(got, want)
	finite := true
	for i := range got {
		if isFinite(want[i]) && !isFinite(got[i]) {
			finite = false
			break
		}
	}
	if e <= tol && finite && !math.IsNaN(e) {
		t.Logf("%s: NMSE %.3g (tolerance %.0g)", name, e, tol)
		return
	}
	t.Errorf("%s: NMSE %.3g, tolerance %.0g; first mismatches:\n%s", name, e, tol, mismatches(got, want, 8))
}

func isFinite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// mismatches lists up to n indices where got and want differ by more than 1e-4 relative to
// the scale of want.
func mismatches(got, want []float32, n int) string {
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	var sb strings.Builder
	for i := range want {
		d := math.Abs(float64(got[i]) - float64(want[i]))
		if !(d <= 1e-4*max(scale, 1e-30)) {
			fmt.Fprintf(&sb, "  [%d] got %.9g want %.9g (diff %.3g)\n", i, got[i], want[i], d)
			if n--; n == 0 {
				break
			}
		}
	}
	if sb.Len() == 0 {
		return "  (none above 1e-4 of the largest value: the error is spread thin)\n"
	}
	return sb.String()
}

// rig makes the same random tensors on any backend: each rig draws from its own generator
// with the same seed, so a case run on two backends sees the same inputs.
type rig struct {
	b    nn.Backend
	rng  *rand.Rand
	outs []output
	made []*nn.Tensor
}

type output struct {
	name string
	t    *nn.Tensor
}

func newRig(b nn.Backend, seed uint64) *rig { return &rig{b: b, rng: rand.New(rand.NewPCG(seed, 7))} }

// randn uploads a tensor of N(0, 1) draws.
func (r *rig) randn(shape ...int) *nn.Tensor {
	return r.fill(func() float64 { return r.rng.NormFloat64() }, shape...)
}

// uniform uploads a tensor of draws from [lo, hi).
func (r *rig) uniform(lo, hi float64, shape ...int) *nn.Tensor {
	return r.fill(func() float64 { return lo + (hi-lo)*r.rng.Float64() }, shape...)
}

// zeros makes a zero tensor.
func (r *rig) zeros(shape ...int) *nn.Tensor {
	t := r.b.New(shape...)
	r.made = append(r.made, t)
	return t
}

func (r *rig) fill(draw func() float64, shape ...int) *nn.Tensor {
	t := r.zeros(shape...)
	host := make([]float32, t.Len())
	for i := range host {
		host[i] = float32(draw())
	}
	r.b.Upload(t, host)
	return t
}

// out marks a tensor to compare after the case has run.
func (r *rig) out(name string, t *nn.Tensor) { r.outs = append(r.outs, output{name, t}) }

// results downloads the marked tensors.
func (r *rig) results(t testing.TB) map[string][]float32 {
	t.Helper()
	if err := r.b.Sync(); err != nil {
		t.Fatalf("%s: %v", r.b.Name(), err)
	}
	res := map[string][]float32{}
	for _, o := range r.outs {
		host := make([]float32, o.t.Len())
		r.b.Download(host, o.t)
		res[o.name] = host
	}
	for _, m := range r.made {
		r.b.Free(m)
	}
	return res
}

// parity runs a case on the CPU and on the GPU with the same inputs and compares every
// marked output.
func parity(t *testing.T, tol float64, run func(r *rig)) {
	t.Helper()
	var res []map[string][]float32
	var order []string
	for _, b := range backends(t) {
		r := newRig(b, 1)
		run(r)
		res = append(res, r.results(t))
		if order == nil {
			for _, o := range r.outs {
				order = append(order, o.name)
			}
		}
	}
	if len(order) == 0 {
		t.Fatal("the case marks no outputs")
	}
	for _, name := range order {
		compare(t, name, res[1][name], res[0][name], tol)
	}
}
