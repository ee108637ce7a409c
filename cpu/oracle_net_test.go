package cpu_test

import (
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// TestOracleDiscriminatorStep runs the gradient half of a discriminator update through an
// nn.Network on the CPU backend: Conv2d → BatchNorm → LeakyReLU(0.2) → Flatten → Linear,
// backward from the BCE loss of a real batch and then of a fake one into the same gradient
// arena, as a GAN step does. gorgonia differentiates the same loss, BCE(σ(D(real)), 1) +
// BCE(σ(D(fake)), 0), in float64. Agreement checks the ops, the layers' wiring of parameters
// and gradients, and the accumulation of the two batches' parameter gradients.
func TestOracleDiscriminatorStep(t *testing.T) {
	const n, c, h, w, ch = 3, 1, 8, 8, 2
	conv := nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}
	ho := conv.ConvOut(h)
	flat := ch * ho * ho
	rng := nntest.NewRand(600)
	real, fake := nntest.Randn(rng, n*c*h*w, 1), nntest.Randn(rng, n*c*h*w, 1)
	params := map[string][]float64{
		"0.weight": nntest.Randn(rng, ch*c*conv.Kernel*conv.Kernel, 0.5),
		"1.weight": nntest.Randn(rng, ch, 1),
		"1.bias":   nntest.Randn(rng, ch, 1),
		"4.weight": nntest.Randn(rng, flat, 0.5),
		"4.bias":   nntest.Randn(rng, 1, 1),
	}
	order := []string{"0.weight", "1.weight", "1.bias", "4.weight", "4.bias"}

	// gorgonia: one set of parameter nodes, the discriminator applied to both batches.
	g := newOracle(t)
	pn := map[string]*G.Node{
		"0.weight": g.input("conv.w", params["0.weight"], ch, c, conv.Kernel, conv.Kernel),
		"1.weight": g.input("bn.w", params["1.weight"], ch),
		"1.bias":   g.input("bn.b", params["1.bias"], ch),
		"4.weight": g.input("lin.w", params["4.weight"], 1, flat),
		"4.bias":   g.input("lin.b", params["4.bias"], 1),
	}
	d := func(x *G.Node) *G.Node {
		y := g.must(G.Conv2d(x, pn["0.weight"], tensor.Shape{conv.Kernel, conv.Kernel}, []int{conv.Pad, conv.Pad}, []int{conv.Stride, conv.Stride}, nil))
		y = g.batchNorm(y, pn["1.weight"], pn["1.bias"], 1e-5)
		y = g.must(G.LeakyRelu(y, 0.2))
		y = g.must(G.Reshape(y, tensor.Shape{n, flat}))
		y = g.must(G.Mul(y, g.must(G.Transpose(pn["4.weight"]))))
		return g.must(G.BroadcastAdd(y, g.must(G.Reshape(pn["4.bias"], tensor.Shape{1, 1})), nil, []byte{0}))
	}
	bce := func(logits *G.Node, target float64) *G.Node {
		p := g.must(G.Sigmoid(logits))
		if target == 0 {
			p = g.must(G.Sub(G.NewConstant(1.0), p))
		}
		return g.must(G.Neg(g.must(G.Mean(g.must(G.Log(p))))))
	}
	rn, fn := g.input("real", real, n, c, h, w), g.input("fake", fake, n, c, h, w)
	loss := g.must(G.Add(bce(d(rn), 1), bce(d(fn), 0)))
	wrt := []*G.Node{fn}
	for _, name := range order {
		wrt = append(wrt, pn[name])
	}
	want := g.run(loss, wrt...)

	// gogan.
	b := cpu.New()
	net, err := nn.NewNetwork(b, nn.Shape{c, h, w}, n, nntest.NewRand(601),
		&nn.Conv2d{In: c, Out: ch, ConvParams: conv},
		&nn.BatchNorm{Channels: ch},
		nn.NewLeakyReLU(0.2),
		nn.NewFlatten(),
		&nn.Linear{In: flat, Out: 1, Bias: true})
	if err != nil {
		t.Fatalf("build the discriminator: %v", err)
	}
	var names []string
	for _, p := range net.Parameters() {
		names = append(names, p.Name)
		v, ok := params[p.Name]
		if !ok {
			t.Fatalf("the discriminator has parameter %s, which the test does not set", p.Name)
		}
		b.Upload(p.Tensor, nntest.To32(v))
	}
	if len(names) != len(order) {
		t.Fatalf("the discriminator has parameters %v, want %v", names, order)
	}
	net.ZeroGrad()
	stats := b.New(3)
	dReal, dFake := b.New(n, 1), b.New(n, 1)
	b.LogitLoss(stats, dReal, net.Forward(nntest.TensorOf(b, real, n, c, h, w), true), nn.TermSoftplusNeg, 1)
	net.Backward(dReal, false)
	b.LogitLoss(stats, dFake, net.Forward(nntest.TensorOf(b, fake, n, c, h, w), true), nn.TermSoftplus, 1)
	dx := net.Backward(dFake, true)

	got := [][]float32{dx.Host}
	what := []string{"dfake"}
	for _, name := range order {
		got, what = append(got, net.Named(name).Grad.Host), append(what, "d"+name)
	}
	compareOracle(t, what, got, want)
}
