package nntest

import (
	"testing"

	"gogan/nn"
)

// The golden op checks compare a backend with PyTorch's float64 forward and backward passes
// of single layers and loss terms, written by scripts/golden_dcgan28.py (and the projection
// by scripts/golden_conditional.py). The references are float64 and the backends float32, so
// the inputs are rounded to float32 on the way in and the errors below are float32's.
//
// Tolerances on NMSE, the square of an RMS relative error: forward outputs within 1e-5
// relative (NMSE 1e-10) and gradients within 1e-4 (NMSE 1e-8), the engine's stated accuracy.
// float32 rounding of the inputs and the arithmetic leaves ~1e-14 on the CPU (measured worst:
// see the log), so the bounds have a wide margin for the CUDA backend's other summation
// orders.
const (
	TolGoldenForward = 1e-10
	TolGoldenGrad    = 1e-8
)

// GoldenLayers checks b's convolutions, Linear, BatchNorm and activations against
// layers.safetensors.
func GoldenLayers(t *testing.T, b nn.Backend) {
	gf := OpenGolden(t, "layers.safetensors")
	t.Run("conv2d", func(t *testing.T) {
		goldenConv(gf.For(t), b, "conv2d", nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}, b.Conv2DForward, b.Conv2DBackward)
	})
	t.Run("conv_transpose2d", func(t *testing.T) {
		goldenConv(gf.For(t), b, "conv_transpose2d", nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 1},
			b.ConvTranspose2DForward, b.ConvTranspose2DBackward)
	})
	t.Run("linear", func(t *testing.T) {
		g := gf.For(t)
		x, w, bias := g.Tensor(b, "linear.x"), g.Tensor(b, "linear.weight"), g.Tensor(b, "linear.bias")
		out := b.New(g.Shape("linear.out")...)
		b.LinearForward(out, x, w, bias)
		dx, dw, db := b.New(x.Shape...), b.New(w.Shape...), b.New(bias.Shape...)
		b.LinearBackward(dx, dw, db, g.Tensor(b, "linear.dout"), x, w)
		g.Check(b, "linear.out", out, TolGoldenForward)
		g.Check(b, "linear.dx", dx, TolGoldenGrad)
		g.Check(b, "linear.dweight", dw, TolGoldenGrad)
		g.Check(b, "linear.dbias", db, TolGoldenGrad)
	})
	for _, name := range []string{"batchnorm2d", "batchnorm1d"} {
		t.Run(name, func(t *testing.T) { goldenBatchNorm(gf.For(t), b, name) })
	}
	for _, c := range []struct {
		name string
		act  nn.Activation
	}{
		{"relu", nn.Activation{Kind: nn.ReLU}},
		{"leaky_relu", nn.Activation{Kind: nn.LeakyReLU, Slope: 0.2}},
		{"tanh", nn.Activation{Kind: nn.Tanh}},
		{"sigmoid", nn.Activation{Kind: nn.Sigmoid}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := gf.For(t)
			x := g.Tensor(b, c.name+".x")
			out, dx := b.New(x.Shape...), b.New(x.Shape...)
			b.ActivationForward(out, x, c.act)
			b.ActivationBackward(dx, g.Tensor(b, c.name+".dout"), x, out, c.act)
			g.Check(b, c.name+".out", out, TolGoldenForward)
			g.Check(b, c.name+".dx", dx, TolGoldenGrad)
		})
	}
}

type (
	convForward  func(out, x, w, bias *nn.Tensor, p nn.ConvParams)
	convBackward func(dx, dw, db, dout, x, w *nn.Tensor, p nn.ConvParams)
)

// goldenConv checks one convolution layer, transposed or not, of the golden file.
func goldenConv(g *Golden, b nn.Backend, name string, p nn.ConvParams, forward convForward, backward convBackward) {
	x, w, bias := g.Tensor(b, name+".x"), g.Tensor(b, name+".weight"), g.Tensor(b, name+".bias")
	out := b.New(g.Shape(name + ".out")...)
	forward(out, x, w, bias, p)
	dx, dw, db := b.New(x.Shape...), b.New(w.Shape...), b.New(bias.Shape...)
	backward(dx, dw, db, g.Tensor(b, name+".dout"), x, w, p)
	g.Check(b, name+".out", out, TolGoldenForward)
	g.Check(b, name+".dx", dx, TolGoldenGrad)
	g.Check(b, name+".dweight", dw, TolGoldenGrad)
	g.Check(b, name+".dbias", db, TolGoldenGrad)
}

// goldenBatchNorm runs a training-mode BatchNorm from the golden running statistics, viewing
// (N, C) and (N, C, H, W) as (N, C, S) as the layer does, and checks the updated statistics
// too: the momentum update and the unbiased variance.
func goldenBatchNorm(g *Golden, b nn.Backend, name string) {
	xs := g.Shape(name + ".x")
	n, c := xs[0], xs[1]
	s := nn.Shape(xs).Size() / (n * c)
	x := g.Tensor(b, name+".x", n, c, s)
	w, bias := g.Tensor(b, name+".weight"), g.Tensor(b, name+".bias")
	runMean, runVar := g.Tensor(b, name+".running_mean_in"), g.Tensor(b, name+".running_var_in")
	mean, invStd := b.New(c), b.New(c)
	out := b.New(n, c, s)
	b.BatchNormForward(out, x, w, bias, runMean, runVar, mean, invStd, nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5})
	dx, dw, db := b.New(n, c, s), b.New(c), b.New(c)
	b.BatchNormBackward(dx, dw, db, g.Tensor(b, name+".dout", n, c, s), x, w, mean, invStd)
	g.Check(b, name+".out", out, TolGoldenForward)
	g.Check(b, name+".running_mean", runMean, TolGoldenForward)
	g.Check(b, name+".running_var", runVar, TolGoldenForward)
	g.Check(b, name+".dx", dx, TolGoldenGrad)
	g.Check(b, name+".dweight", dw, TolGoldenGrad)
	g.Check(b, name+".dbias", db, TolGoldenGrad)
}

// GoldenLosses checks b's LogitLoss for every term against losses.safetensors.
func GoldenLosses(t *testing.T, b nn.Backend) {
	gf := OpenGolden(t, "losses.safetensors")
	logits := gf.Tensor(b, "logits")
	n := logits.Len()
	for term := nn.TermSoftplusNeg; term <= nn.TermIdentity; term++ {
		name := LossRef[term].Name
		t.Run(name, func(t *testing.T) {
			g := gf.For(t)
			stats, dlogits := b.New(3), b.New(n)
			b.LogitLoss(stats, dlogits, logits, term, 1)
			g.Check(b, "value."+name, stats.View(0, 1), TolGoldenForward)
			g.Check(b, "grad."+name, dlogits, TolGoldenGrad)
		})
	}
}

// GoldenProjection checks b's projection discriminator output layer against
// cdcgan28_step.safetensors: six samples over four classes, one class used twice, so that the
// embedding's gradient sums over samples.
func GoldenProjection(t *testing.T, b nn.Backend) {
	g := OpenGolden(t, "cdcgan28_step.safetensors")
	x, w, table := g.Tensor(b, "projection.x"), g.Tensor(b, "projection.weight"), g.Tensor(b, "projection.embed")
	labels := g.Tensor(b, "projection.labels")
	n := x.Shape[0]
	out := b.New(n, 1)
	b.ProjectionForward(out, x, w, table, labels)
	dx, dw, dtable := b.New(x.Shape...), b.New(w.Shape...), b.New(table.Shape...)
	b.Fill(dw, 0.5) // parameter gradients accumulate: the reference is added to this
	b.ProjectionBackward(dx, dw, dtable, g.Tensor(b, "projection.dout", n, 1), x, w, table, labels)
	dwv := Values(b, dw)
	for i := range dwv {
		dwv[i] = float64(float32(dwv[i]) - 0.5)
	}
	g.Check(b, "projection.out", out, TolGoldenForward)
	g.Check(b, "projection.dx", dx, TolGoldenGrad)
	g.CheckValues("projection.dweight", dwv, TolGoldenGrad)
	g.Check(b, "projection.dembed", dtable, TolGoldenGrad)
}
