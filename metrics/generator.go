package metrics

import (
	"fmt"

	"gorgonia.org/tensor"

	"gogan/nn"
)

// FromGenerator returns a generate function for Evaluator.Score that runs generator g in
// evaluation mode on the latents z (N·nz values, nz = g's input size), in order, so that
// every Score made with the same z sees the same latents. g runs on at most batch latents at
// a time: a trainer passes its batch size, for which g is already reserved, so that scoring
// allocates nothing in g and leaves its buffers where the training step expects them. Asked
// for more images than z holds, it returns nil, which Score reports.
func FromGenerator(g *nn.Network, z []float32, batch int) func(n int) *tensor.Dense {
	b := g.Backend()
	in, out := g.InShape(), g.OutShape()
	nz, per := in.Size(), out.Size()
	next := 0
	return func(n int) *tensor.Dense {
		if n < 1 || (next+n)*nz > len(z) {
			return nil
		}
		chunk := max(1, min(n, batch))
		if err := g.Reserve(chunk); err != nil {
			panic(fmt.Sprintf("metrics: %v", err)) // chunk is positive
		}
		zt := b.New(append(nn.Shape{chunk}, in...)...)
		defer b.Free(zt)
		images := make([]float32, n*per)
		for done := 0; done < n; done += chunk {
			k := min(chunk, n-done)
			zb := zt.Batch(k)
			b.Upload(zb, z[(next+done)*nz:(next+done+k)*nz])
			b.Download(images[done*per:(done+k)*per], g.Forward(zb, false))
		}
		next += n
		return tensor.New(tensor.WithShape(append([]int{n}, out...)...), tensor.WithBacking(images))
	}
}
