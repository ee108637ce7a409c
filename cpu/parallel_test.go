package cpu_test

import (
	"math"
	"runtime"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// splitOp is an elementwise op on tensors of one length: its inputs and outputs alike.
type splitOp struct {
	name     string
	tensors  int
	positive bool // all values positive, for Adam's second moment
	run      func(b *cpu.Backend, ts []*nn.Tensor)
}

// TestElementwiseSplit checks that the elementwise ops, which split large tensors between
// goroutines, give the same bits on a large tensor as on small pieces of it that each run on
// one goroutine: a split that skipped, repeated or misaligned a range would show here, and
// the other tests' tensors are too small to be split at all.
func TestElementwiseSplit(t *testing.T) {
	// More workers than this machine may have cores, so that the split happens everywhere.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	const n, piece = 100_003, 1000
	adam := nn.AdamParams{LR: 1e-3, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2, Step: 3}
	ops := []splitOp{
		{"Clamp", 1, false, func(b *cpu.Backend, ts []*nn.Tensor) { b.Clamp(ts[0], -0.5, 0.7) }},
		{"AdamStep", 4, true, func(b *cpu.Backend, ts []*nn.Tensor) { b.AdamStep(ts[0], ts[1], ts[2], ts[3], adam) }},
	}
	for _, act := range []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.Tanh}, {Kind: nn.Sigmoid}} {
		ops = append(ops,
			splitOp{act.String() + "Forward", 2, false, func(b *cpu.Backend, ts []*nn.Tensor) { b.ActivationForward(ts[1], ts[0], act) }},
			splitOp{act.String() + "Backward", 4, false, func(b *cpu.Backend, ts []*nn.Tensor) { b.ActivationBackward(ts[0], ts[1], ts[2], ts[3], act) }})
	}
	for i, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			b := cpu.New()
			rng := newRand(uint64(800 + i))
			whole, pieces := make([]*nn.Tensor, op.tensors), make([]*nn.Tensor, op.tensors)
			for j := range whole {
				v := randn(rng, n, 1)
				if op.positive {
					for k := range v {
						v[k] = math.Abs(v[k]) + 0.1
					}
				}
				whole[j], pieces[j] = tensorOf(b, v, n), tensorOf(b, v, n)
			}
			op.run(b, whole)
			for lo := 0; lo < n; lo += piece {
				views := make([]*nn.Tensor, op.tensors)
				for j, p := range pieces {
					views[j] = p.View(lo, min(piece, n-lo))
				}
				op.run(b, views)
			}
			for j := range whole {
				for k, v := range whole[j].Host {
					if w := pieces[j].Host[k]; math.Float32bits(v) != math.Float32bits(w) {
						t.Errorf("tensor %d element %d: %g on the whole tensor, %g piece by piece", j, k, v, w)
						break
					}
				}
			}
		})
	}
}
