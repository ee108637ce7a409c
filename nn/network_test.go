package nn_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/nn"
)

func mlp(t *testing.T, capacity int) *nn.Network {
	t.Helper()
	net, err := nn.NewNetwork(cpu.New(), nn.Shape{2, 3, 3}, capacity, rand.New(rand.NewPCG(1, 2)),
		nn.NewFlatten(), &nn.Linear{In: 18, Out: 6, Bias: true}, &nn.BatchNorm{Channels: 6}, nn.NewTanh(),
		&nn.Reshape{To: nn.Shape{6, 1, 1}}, &nn.Conv2d{In: 6, Out: 2, ConvParams: nn.ConvParams{Kernel: 1, Stride: 1}}, nn.NewFlatten())
	if err != nil {
		t.Fatal(err)
	}
	return net
}

func randomTensor(b nn.Backend, rng *rand.Rand, shape ...int) *nn.Tensor {
	t := b.New(shape...)
	host := make([]float32, t.Len())
	for i := range host {
		host[i] = float32(rng.NormFloat64())
	}
	b.Upload(t, host)
	return t
}

// TestViewLayersAndBatchSizes: reshaping layers at both ends and in the middle pass values
// and gradients through, and a network reserved for 8 gives, for a batch of 3, exactly what
// a network reserved for 3 gives.
func TestViewLayersAndBatchSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	big, small := mlp(t, 8), mlp(t, 3)
	b := big.Backend()
	x8 := randomTensor(b, rng, 8, 2, 3, 3)
	big.Forward(x8, true) // a different batch size first, to exercise re-cutting the views
	big.Backward(randomTensor(b, rng, 8, 2), true)
	x3 := randomTensor(b, rng, 3, 2, 3, 3)
	d3 := randomTensor(b, rng, 3, 2)
	if err := big.LoadState(small.State()); err != nil {
		t.Fatal(err)
	}
	big.ZeroGrad()
	var outs, dxs, grads [2][]float32
	for i, n := range []*nn.Network{big, small} {
		y := n.Forward(x3, true)
		if !y.Shape.Equal(nn.Shape{3, 2}) {
			t.Fatalf("output %v, want (3, 2)", y.Shape)
		}
		dx := n.Backward(d3, true)
		if !dx.Shape.Equal(x3.Shape) {
			t.Fatalf("input gradient %v, want %v", dx.Shape, x3.Shape)
		}
		outs[i], dxs[i], grads[i] = host(b, y), host(b, dx), host(b, n.Grads)
	}
	for _, c := range []struct {
		what string
		a, b []float32
	}{{"output", outs[0], outs[1]}, {"input gradient", dxs[0], dxs[1]}, {"parameter gradients", grads[0], grads[1]}} {
		for i := range c.a {
			if c.a[i] != c.b[i] {
				t.Fatalf("%s [%d]: %g with capacity 8, %g with capacity 3", c.what, i, c.a[i], c.b[i])
			}
		}
	}
}

func host(b nn.Backend, t *nn.Tensor) []float32 {
	out := make([]float32, t.Len())
	b.Download(out, t)
	return out
}

// TestInputGradLeavesParameterGradients: the generator step's pass through D computes the
// input gradient of Backward without touching D's gradients.
func TestInputGradLeavesParameterGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	n := mlp(t, 4)
	b := n.Backend()
	x, d := randomTensor(b, rng, 4, 2, 3, 3), randomTensor(b, rng, 4, 2)
	n.Forward(x, true)
	want := append([]float32(nil), host(b, n.Backward(d, true))...)
	before := host(b, n.Grads)
	got := host(b, n.InputGrad(d))
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("input gradient [%d]: %g from InputGrad, %g from Backward", i, got[i], want[i])
		}
	}
	after := host(b, n.Grads)
	for i := range before {
		if before[i] != after[i] {
			t.Fatalf("InputGrad changed parameter gradient %d", i)
		}
	}
}

// TestLoadStateRefusesMismatches: a state dict of another network is refused whole, with a
// message naming the problem.
func TestLoadStateRefusesMismatches(t *testing.T) {
	n := mlp(t, 2)
	good := n.State()
	cases := map[string]func(map[string]*tensor.Dense){
		"lacks 1.bias": func(s map[string]*tensor.Dense) { delete(s, "1.bias") },
		"has 9.weight": func(s map[string]*tensor.Dense) {
			s["9.weight"] = tensor.New(tensor.WithShape(1), tensor.WithBacking([]float32{1}))
		},
		"1.weight is (6, 17)": func(s map[string]*tensor.Dense) {
			s["1.weight"] = tensor.New(tensor.WithShape(6, 17), tensor.WithBacking(make([]float32, 102)))
		},
		"float32": func(s map[string]*tensor.Dense) {
			s["1.bias"] = tensor.New(tensor.WithShape(6), tensor.WithBacking(make([]float64, 6)))
		},
	}
	for want, mutate := range cases {
		state := map[string]*tensor.Dense{}
		for k, v := range good {
			state[k] = v
		}
		mutate(state)
		err := n.LoadState(state)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadState: error %v, want one mentioning %q", err, want)
		}
	}
	if err := n.LoadState(good); err != nil {
		t.Fatalf("LoadState of its own state: %v", err)
	}
}

// TestPlanErrors: layers refuse inputs they cannot take when the network is built.
func TestPlanErrors(t *testing.T) {
	b := cpu.New()
	rng := rand.New(rand.NewPCG(1, 1))
	cases := []struct {
		in    nn.Shape
		layer nn.Layer
		want  string
	}{
		{nn.Shape{3, 8, 8}, &nn.Conv2d{In: 1, Out: 2, ConvParams: nn.ConvParams{Kernel: 3, Stride: 1}}, "want (1, H, W)"},
		{nn.Shape{1, 2, 2}, &nn.Conv2d{In: 1, Out: 2, ConvParams: nn.ConvParams{Kernel: 5, Stride: 1}}, "smaller than the kernel"},
		{nn.Shape{1, 8, 8}, &nn.Conv2d{In: 1, Out: 2, ConvParams: nn.ConvParams{Kernel: 3, Stride: 2, OutputPad: 1}}, "transposed convolutions only"},
		{nn.Shape{4}, &nn.Linear{In: 5, Out: 2}, "want (5)"},
		{nn.Shape{2, 4, 4}, &nn.BatchNorm{Channels: 3}, "want (3)"},
		{nn.Shape{2, 4, 4}, &nn.ConvTranspose2d{In: 2, Out: 1, ConvParams: nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 2}}, "output padding"},
		{nn.Shape{6}, &nn.Reshape{To: nn.Shape{4}}, "cannot reshape"},
	}
	for _, c := range cases {
		_, err := nn.NewNetwork(b, c.in, 2, rng, c.layer)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v on %v: error %v, want one mentioning %q", c.layer, c.in, err, c.want)
		}
	}
}

// TestObjectiveNames: every objective parses from its own name, and nothing else does.
func TestObjectiveNames(t *testing.T) {
	for _, o := range []nn.Objective{nn.NonSaturating, nn.Minimax, nn.LeastSquares, nn.Hinge, nn.Wasserstein} {
		got, err := nn.ParseObjective(strings.ToUpper(o.String()))
		if err != nil || got != o {
			t.Errorf("ParseObjective(%q) = %v, %v", o, got, err)
		}
	}
	if _, err := nn.ParseObjective("wasserstein-gp"); err == nil || !strings.Contains(err.Error(), "nonsaturating") {
		t.Errorf("an unknown loss gives %v, want an error listing the known ones", err)
	}
}

// TestTensorViews: views share storage at the right offsets, and out-of-range views panic.
func TestTensorViews(t *testing.T) {
	b := cpu.New()
	a := b.New(4, 3)
	b.Upload(a, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	v := a.View(5, 2, 2)
	if got := host(b, v); got[0] != 5 || got[3] != 8 {
		t.Errorf("View(5, 2, 2) = %v", got)
	}
	b.Fill(a.Batch(1), -1)
	if got := host(b, a); got[2] != -1 || got[3] != 3 {
		t.Errorf("Batch(1) wrote %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("a view past the end did not panic")
		}
	}()
	a.View(10, 3)
}

// TestNamedOffsets checks that each parameter's and buffer's Offset is where its view sits
// in its arena, and that the views tile the arenas in state-dict order.
func TestNamedOffsets(t *testing.T) {
	net := mlp(t, 2)
	b := net.Backend()
	for _, arena := range []struct {
		name  string
		t     *nn.Tensor
		named []nn.Named
	}{{"Params", net.Params, net.Parameters()}, {"Buffers", net.Buffers, net.BufferList()}} {
		ramp := make([]float32, arena.t.Len())
		for i := range ramp {
			ramp[i] = float32(i)
		}
		b.Upload(arena.t, ramp)
		next := 0
		for _, p := range arena.named {
			if p.Offset != next {
				t.Errorf("%s: %s at offset %d, want %d (right after the one before)", arena.name, p.Name, p.Offset, next)
			}
			got, want := host(b, p.Tensor), ramp[p.Offset:p.Offset+p.Tensor.Len()]
			if !slices.Equal(got, want) {
				t.Errorf("%s: %s holds %v, but its offset %d points at %v", arena.name, p.Name, got[:1], p.Offset, want[:1])
			}
			next = p.Offset + p.Tensor.Len()
		}
		if next != arena.t.Len() {
			t.Errorf("%s: the views end at %d, the arena at %d", arena.name, next, arena.t.Len())
		}
	}
}
