package cpu_test

import (
	"errors"
	"io/fs"
	"math"
	"path/filepath"
	"testing"

	"gogan/checkpoints"
	"gogan/cpu"
	"gogan/nn"
)

// The golden tests compare the CPU backend with PyTorch's float64 forward and backward passes
// of single layers and loss terms, written by scripts/golden_dcgan28.py. The references are
// float64 and the backend float32, so the inputs are rounded to float32 on the way in and the
// errors below are float32's.
//
// Tolerances on NMSE, the square of an RMS relative error: forward outputs within 1e-5
// relative (NMSE 1e-10) and gradients within 1e-4 (NMSE 1e-8), the engine's stated accuracy.
// float32 rounding of the inputs and the arithmetic leaves ~1e-14 (measured worst: see the
// log), so the bounds have a wide margin for the CUDA backend's other summation orders.
const (
	tolGoldenForward = 1e-10
	tolGoldenGrad    = 1e-8
)

var goldenDir = filepath.Join("..", "scripts", "golden")

// golden is one golden file; a tensor that is missing or of another shape fails the test.
type golden struct {
	t *testing.T
	f *checkpoints.File
}

// openGolden reads a golden file, skipping the test when it has not been generated.
func openGolden(t *testing.T, name string) *golden {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	f, err := checkpoints.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("no golden file %s: run scripts/golden_dcgan28.py to write it", path)
	}
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	return &golden{t, f}
}

func (g *golden) f64(name string, shape ...int) []float64 {
	g.t.Helper()
	v, err := g.f.F64(name, shape...)
	if err != nil {
		g.t.Fatalf("%v", err)
	}
	return v
}

// shape is the shape of a tensor the file must have.
func (g *golden) shape(name string) []int {
	g.t.Helper()
	info, ok := g.f.Info(name)
	if !ok {
		g.t.Fatalf("golden file lacks %s", name)
	}
	return info.Shape
}

// tensor uploads a golden tensor, rounded to float32, with its own shape or the given one.
func (g *golden) tensor(b *cpu.Backend, name string, shape ...int) *nn.Tensor {
	g.t.Helper()
	v := g.f64(name)
	if len(shape) == 0 {
		shape = g.shape(name)
	}
	return tensorOf(b, v, shape...)
}

// check compares a result with the golden tensor of the same name, also logging the largest
// elementwise error relative to the largest reference value.
func (g *golden) check(name string, got *nn.Tensor, tol float64) {
	g.t.Helper()
	want := g.f64(name)
	gv := to64(got.Host)
	checkNMSE(g.t, name, gv, want, tol)
	var maxErr, maxRef float64
	for i := range want {
		maxErr = max(maxErr, math.Abs(gv[i]-want[i]))
		maxRef = max(maxRef, math.Abs(want[i]))
	}
	if len(gv) == len(want) && maxRef > 0 {
		g.t.Logf("%s %s: max error %.2e of max |value| %.3g", g.t.Name(), name, maxErr/maxRef, maxRef)
	}
}

func TestGoldenLayers(t *testing.T) {
	g := openGolden(t, "layers.safetensors")
	b := cpu.New()

	t.Run("conv2d", func(t *testing.T) {
		g := &golden{t, g.f}
		p := nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}
		x, w, bias := g.tensor(b, "conv2d.x"), g.tensor(b, "conv2d.weight"), g.tensor(b, "conv2d.bias")
		out := b.New(g.shape("conv2d.out")...)
		b.Conv2DForward(out, x, w, bias, p)
		dx, dw, db := b.New(x.Shape...), b.New(w.Shape...), b.New(bias.Shape...)
		b.Conv2DBackward(dx, dw, db, g.tensor(b, "conv2d.dout"), x, w, p)
		g.check("conv2d.out", out, tolGoldenForward)
		g.check("conv2d.dx", dx, tolGoldenGrad)
		g.check("conv2d.dweight", dw, tolGoldenGrad)
		g.check("conv2d.dbias", db, tolGoldenGrad)
	})

	t.Run("conv_transpose2d", func(t *testing.T) {
		g := &golden{t, g.f}
		p := nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 1}
		x, w, bias := g.tensor(b, "conv_transpose2d.x"), g.tensor(b, "conv_transpose2d.weight"), g.tensor(b, "conv_transpose2d.bias")
		out := b.New(g.shape("conv_transpose2d.out")...)
		b.ConvTranspose2DForward(out, x, w, bias, p)
		dx, dw, db := b.New(x.Shape...), b.New(w.Shape...), b.New(bias.Shape...)
		b.ConvTranspose2DBackward(dx, dw, db, g.tensor(b, "conv_transpose2d.dout"), x, w, p)
		g.check("conv_transpose2d.out", out, tolGoldenForward)
		g.check("conv_transpose2d.dx", dx, tolGoldenGrad)
		g.check("conv_transpose2d.dweight", dw, tolGoldenGrad)
		g.check("conv_transpose2d.dbias", db, tolGoldenGrad)
	})

	t.Run("linear", func(t *testing.T) {
		g := &golden{t, g.f}
		x, w, bias := g.tensor(b, "linear.x"), g.tensor(b, "linear.weight"), g.tensor(b, "linear.bias")
		out := b.New(g.shape("linear.out")...)
		b.LinearForward(out, x, w, bias)
		dx, dw, db := b.New(x.Shape...), b.New(w.Shape...), b.New(bias.Shape...)
		b.LinearBackward(dx, dw, db, g.tensor(b, "linear.dout"), x, w)
		g.check("linear.out", out, tolGoldenForward)
		g.check("linear.dx", dx, tolGoldenGrad)
		g.check("linear.dweight", dw, tolGoldenGrad)
		g.check("linear.dbias", db, tolGoldenGrad)
	})

	for _, name := range []string{"batchnorm2d", "batchnorm1d"} {
		t.Run(name, func(t *testing.T) { goldenBatchNorm(&golden{t, g.f}, b, name) })
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
			g := &golden{t, g.f}
			x := g.tensor(b, c.name+".x")
			out, dx := b.New(x.Shape...), b.New(x.Shape...)
			b.ActivationForward(out, x, c.act)
			b.ActivationBackward(dx, g.tensor(b, c.name+".dout"), x, out, c.act)
			g.check(c.name+".out", out, tolGoldenForward)
			g.check(c.name+".dx", dx, tolGoldenGrad)
		})
	}
}

// goldenBatchNorm runs a training-mode BatchNorm from the golden running statistics, viewing
// (N, C) and (N, C, H, W) as (N, C, S) as the layer does, and checks the updated statistics
// too: the momentum update and the unbiased variance.
func goldenBatchNorm(g *golden, b *cpu.Backend, name string) {
	xs := g.shape(name + ".x")
	n, c := xs[0], xs[1]
	s := nn.Shape(xs).Size() / (n * c)
	x := g.tensor(b, name+".x", n, c, s)
	w, bias := g.tensor(b, name+".weight"), g.tensor(b, name+".bias")
	runMean, runVar := g.tensor(b, name+".running_mean_in"), g.tensor(b, name+".running_var_in")
	mean, invStd := b.New(c), b.New(c)
	out := b.New(n, c, s)
	b.BatchNormForward(out, x, w, bias, runMean, runVar, mean, invStd, nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5})
	dx, dw, db := b.New(n, c, s), b.New(c), b.New(c)
	b.BatchNormBackward(dx, dw, db, g.tensor(b, name+".dout", n, c, s), x, w, mean, invStd)
	g.check(name+".out", out, tolGoldenForward)
	g.check(name+".running_mean", runMean, tolGoldenForward)
	g.check(name+".running_var", runVar, tolGoldenForward)
	g.check(name+".dx", dx, tolGoldenGrad)
	g.check(name+".dweight", dw, tolGoldenGrad)
	g.check(name+".dbias", db, tolGoldenGrad)
}

func TestGoldenLosses(t *testing.T) {
	g := openGolden(t, "losses.safetensors")
	b := cpu.New()
	logits := g.tensor(b, "logits")
	n := logits.Len()
	for term := nn.TermSoftplusNeg; term <= nn.TermIdentity; term++ {
		name := lossRef[term].name
		t.Run(name, func(t *testing.T) {
			g := &golden{t, g.f}
			stats, dlogits := b.New(3), b.New(n)
			b.LogitLoss(stats, dlogits, logits, term, 1)
			g.check("value."+name, stats.View(0, 1), tolGoldenForward)
			g.check("grad."+name, dlogits, tolGoldenGrad)
		})
	}
}
