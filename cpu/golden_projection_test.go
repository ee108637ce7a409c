package cpu_test

import (
	"testing"

	"gogan/cpu"
)

// TestGoldenProjection compares the projection discriminator's output layer with PyTorch's
// float64 forward and backward (scripts/golden_conditional.py): six samples over four classes,
// one class used twice, so that the embedding's gradient sums over samples.
func TestGoldenProjection(t *testing.T) {
	g := openGolden(t, "cdcgan28_step.safetensors")
	b := cpu.New()
	x, w, table := g.tensor(b, "projection.x"), g.tensor(b, "projection.weight"), g.tensor(b, "projection.embed")
	labels := g.tensor(b, "projection.labels")
	n := x.Shape[0]
	out := b.New(n, 1)
	b.ProjectionForward(out, x, w, table, labels)
	dx, dw, dtable := b.New(x.Shape...), b.New(w.Shape...), b.New(table.Shape...)
	b.Fill(dw, 0.5) // parameter gradients accumulate: the reference is added to this
	b.ProjectionBackward(dx, dw, dtable, g.tensor(b, "projection.dout", n, 1), x, w, table, labels)
	for i := range dw.Host {
		dw.Host[i] -= 0.5
	}
	g.check("projection.out", out, tolGoldenForward)
	g.check("projection.dx", dx, tolGoldenGrad)
	g.check("projection.dweight", dw, tolGoldenGrad)
	g.check("projection.dembed", dtable, tolGoldenGrad)
}
