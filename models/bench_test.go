package models

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// BenchmarkLayers times each layer's forward and backward pass (input and parameter
// gradients) of both architectures at batch 64 on the CPU, one sub-benchmark per layer.
func BenchmarkLayers(b *testing.B) {
	const batch = 64
	be := cpu.New()
	for _, arch := range []string{"dcgan28", "dcgan64"} {
		cfg := Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 1}
		gs, _ := Generator(cfg)
		ds, _ := Discriminator(cfg)
		for _, spec := range []Spec{gs, ds} {
			in := spec.In
			for i, l := range spec.Layers {
				plan, err := l.Plan(in)
				if err != nil {
					b.Fatal(err)
				}
				name := fmt.Sprintf("%s/%s/%d_%s", arch, strings.Fields(spec.Name)[1], i, strings.SplitN(l.String(), "(", 2)[0])
				layerIn := in
				in = plan.Out
				if plan.View {
					continue
				}
				b.Run(name, func(b *testing.B) { benchLayer(b, be, l, layerIn, batch) })
			}
		}
	}
}

func benchLayer(b *testing.B, be nn.Backend, l nn.Layer, in nn.Shape, batch int) {
	rng := rand.New(rand.NewPCG(1, 1))
	net, err := nn.NewNetwork(be, in, batch, rng, l)
	if err != nil {
		b.Fatal(err)
	}
	x := be.New(append(nn.Shape{batch}, in...)...)
	host := make([]float32, x.Len())
	for i := range host {
		host[i] = float32(rng.NormFloat64())
	}
	be.Upload(x, host)
	dout := be.New(append(nn.Shape{batch}, net.OutShape()...)...)
	be.Fill(dout, 0.01)
	step := func() {
		net.Forward(x, true)
		net.Backward(dout, true)
	}
	step()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1e3, "ms/op")
}
