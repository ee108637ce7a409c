package nntest

import (
	"math/rand/v2"
	"testing"

	"gogan/nn"
)

// Rig makes the same random tensors on any backend: each rig draws from its own generator
// with the same seed, so a case run on two backends sees the same inputs.
type Rig struct {
	B    nn.Backend
	rng  *rand.Rand
	outs []output
	made []*nn.Tensor
}

type output struct {
	name string
	t    *nn.Tensor
}

// NewRig returns a rig drawing on b from a generator fixed by seed.
func NewRig(b nn.Backend, seed uint64) *Rig { return &Rig{B: b, rng: rand.New(rand.NewPCG(seed, 7))} }

// Randn uploads a tensor of N(0, 1) draws.
func (r *Rig) Randn(shape ...int) *nn.Tensor {
	return r.fill(func() float64 { return r.rng.NormFloat64() }, shape...)
}

// Uniform uploads a tensor of draws from [lo, hi).
func (r *Rig) Uniform(lo, hi float64, shape ...int) *nn.Tensor {
	return r.fill(func() float64 { return lo + (hi-lo)*r.rng.Float64() }, shape...)
}

// Classes uploads a tensor of class indices drawn uniformly from 0..k−1, as float32 (the
// labels of a conditional network).
func (r *Rig) Classes(k int, shape ...int) *nn.Tensor {
	return r.fill(func() float64 { return float64(r.rng.IntN(k)) }, shape...)
}

// Zeros makes a zero tensor, freed with the rig's results.
func (r *Rig) Zeros(shape ...int) *nn.Tensor {
	t := r.B.New(shape...)
	r.made = append(r.made, t)
	return t
}

func (r *Rig) fill(draw func() float64, shape ...int) *nn.Tensor {
	t := r.Zeros(shape...)
	host := make([]float32, t.Len())
	for i := range host {
		host[i] = float32(draw())
	}
	r.B.Upload(t, host)
	return t
}

// Out marks a tensor to compare after the case has run.
func (r *Rig) Out(name string, t *nn.Tensor) { r.outs = append(r.outs, output{name, t}) }

// Results downloads the marked tensors and frees the rig's tensors.
func (r *Rig) Results(t testing.TB) map[string][]float32 {
	t.Helper()
	if err := r.B.Sync(); err != nil {
		t.Fatalf("%s: %v", r.B.Name(), err)
	}
	res := map[string][]float32{}
	for _, o := range r.outs {
		host := make([]float32, o.t.Len())
		r.B.Download(host, o.t)
		res[o.name] = host
	}
	for _, m := range r.made {
		r.B.Free(m)
	}
	return res
}

// Parity runs a case on the reference backend and on another with the same inputs and
// compares every output the case marks, the reference's as the wanted values.
func Parity(t *testing.T, tol float64, reference, other nn.Backend, run func(r *Rig)) {
	t.Helper()
	var res []map[string][]float32
	var order []string
	for _, b := range []nn.Backend{reference, other} {
		r := NewRig(b, 1)
		run(r)
		res = append(res, r.Results(t))
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
		CheckNMSE(t, name, res[1][name], res[0][name], tol)
	}
}
