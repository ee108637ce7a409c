package train

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"gogan/internal/atomicfile"
	"gogan/internal/memlimit"
	"gogan/models"
	"gogan/nn"
)

// ToyPoints is the number of points of each curve of the one-dimensional experiment.
const ToyPoints = 15

// ToyOptions configure the one-dimensional experiment of the GAN tutorials.
type ToyOptions struct {
	Steps     int
	BatchSize int
	LR        float32
	Loss      nn.Objective
	Seed      uint64
	Out       string // folder for toy.png; empty for none
	Every     int    // report every this many steps
}

// DefaultToy are the tutorial's settings: Adam with lr 1e-4, batch 64, 5000 steps, minimax.
func DefaultToy() ToyOptions {
	return ToyOptions{Steps: 5000, BatchSize: 64, LR: 1e-4, Loss: nn.Minimax, Seed: 1, Every: 500}
}

// ToyResult is what the experiment measured: the history of its steps and the means over
// the last Every steps, which the theory expects at ½ and log 4.
type ToyResult struct {
	History []Record
	DReal   float64 `json:"d_real"`
	LossD   float64 `json:"loss_d"`
	LossG   float64 `json:"loss_g"`
	Curve   []float32
}

// toyX are the curve's abscissae, evenly spaced in [−1, 1].
func toyX() []float64 {
	x := make([]float64, ToyPoints)
	for i := range x {
		x[i] = -1 + 2*float64(i)/float64(ToyPoints-1)
	}
	return x
}

// RunToy trains the MLPs on curves y = a·x² + (a−1), a ~ U(1, 2), and reports progress to w.
func RunToy(b nn.Backend, o ToyOptions, w io.Writer) (*ToyResult, error) {
	if o.Steps < 1 || o.BatchSize < 2 || !(o.LR > 0) || o.Every < 1 {
		return nil, fmt.Errorf("need steps ≥ 1, batch size ≥ 2 and lr > 0; got steps %d, batch size %d, lr %g", o.Steps, o.BatchSize, o.LR)
	}
	if o.BatchSize > MaxBatchSize {
		return nil, fmt.Errorf("batch size %d must be at most %d", o.BatchSize, MaxBatchSize)
	}
	// Checked before the networks are built at the batch size, as gan train's estimate is.
	need := 4 * 2 * float64(o.BatchSize) * ToyPoints // the real and the fake batch
	for _, s := range []models.Spec{models.ToyGenerator(), models.ToyDiscriminator()} {
		params, buffers, perSample := planSizes(s)
		need += 4 * (4*params + buffers + activationFactor*perSample*float64(o.BatchSize))
	}
	if err := memlimit.Check(need, fmt.Sprintf("the toy experiment with batch size %d", o.BatchSize), "lower --batch-size"); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(o.Seed, streamInit))
	g, err := models.Build(b, models.ToyGenerator(), o.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	d, err := models.Build(b, models.ToyDiscriminator(), o.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	// The tutorial's Adam keeps PyTorch's default betas.
	h := Hyper{Objective: o.Loss, LR: o.LR, Beta1: 0.9, Beta2: 0.999, DSteps: 1}
	if o.Loss == nn.Wasserstein {
		h.Clip = 0.01
	}
	gan, err := New(b, g, d, h, o.BatchSize)
	if err != nil {
		return nil, err
	}
	xs := toyX()
	drng := rand.New(rand.NewPCG(o.Seed, streamToyData))
	real := make([]float32, o.BatchSize*ToyPoints)
	next := func() ([]float32, int, error) {
		for i := 0; i < o.BatchSize; i++ {
			a := 1 + drng.Float64()
			for j, x := range xs {
				real[i*ToyPoints+j] = float32(a*x*x + a - 1)
			}
		}
		return real, o.BatchSize, nil
	}
	zrng := rand.New(rand.NewPCG(o.Seed, streamLatents))
	latents := func(dst []float32) { SampleLatents(dst, zrng) }
	res := &ToyResult{}
	for step := 1; step <= o.Steps; step++ {
		s, err := gan.Step(next, latents)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step, err)
		}
		res.History = append(res.History, Record{Step: step, Stats: s})
		if step%o.Every == 0 || step == o.Steps {
			dr, ld, _ := toyMeans(res.History, o.Every)
			fmt.Fprintf(w, "step %5d  D(real) %.3f  loss D %.3f  (log 4 = %.3f)\n", step, dr, ld, math.Log(4))
		}
	}
	res.DReal, res.LossD, res.LossG = toyMeans(res.History, o.Every)
	z := b.New(1, 5)
	b.Upload(z, FixedLatents(o.Seed, 1, 5))
	res.Curve = download(b, gan.G.Forward(z, false))
	if o.Out != "" {
		if err := writeToyPlot(filepath.Join(o.Out, "toy.png"), res, xs); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// toyMeans averages D(real), D's loss and G's loss over the last n steps.
func toyMeans(h []Record, n int) (dReal, lossD, lossG float64) {
	k := min(n, len(h))
	for _, r := range h[len(h)-k:] {
		dReal += r.DReal
		lossD += r.LossD
		lossG += r.LossG
	}
	return dReal / float64(k), lossD / float64(k), lossG / float64(k)
}

// darker is c at two thirds of its brightness, for a reference line that belongs to a curve.
func darker(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8 * 2 / 3), G: uint8(g >> 8 * 2 / 3), B: uint8(b >> 8 * 2 / 3), A: 255}
}

// toyWidth and toyRowHeight size toy.png: 960 pixels wide, two panels of 336.
const toyWidth, toyRowHeight = 10 * vg.Inch, 3.5 * vg.Inch

// writeToyPlot draws a generated curve between the bounds of the real ones, and the history
// of D(real) and D's loss against their values at the optimum.
func writeToyPlot(path string, res *ToyResult, xs []float64) error {
	img, _, err := renderToyPlot(res, xs)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, img, 0o644)
}

func renderToyPlot(res *ToyResult, xs []float64) ([]byte, []panelLayout, error) {
	upper, lower, gen := make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i, x := range xs {
		upper[i] = plotter.XY{X: x, Y: 2*x*x + 1}
		lower[i] = plotter.XY{X: x, Y: x * x}
		gen[i] = plotter.XY{X: x, Y: float64(res.Curve[i])}
	}
	curves := panelSpec{title: "A generated curve between the bounds of the real ones", xLabel: "x", yLabel: "y",
		curves: []curve{
			{name: "upper bound 2x²+1", pts: upper, color: palette[0]},
			{name: "generated", pts: gen, color: palette[1], dots: true},
			{name: "lower bound x²", pts: lower, color: palette[2]},
		}}
	dReal, lossD := make(plotter.XYs, len(res.History)), make(plotter.XYs, len(res.History))
	for k, r := range res.History {
		dReal[k] = plotter.XY{X: float64(r.Step), Y: r.DReal}
		lossD[k] = plotter.XY{X: float64(r.Step), Y: r.LossD}
	}
	hist := panelSpec{title: "D(real) → ½ and D's loss → log 4", xLabel: "step", yLabel: "D(real), loss D", integerX: true,
		curves: []curve{
			{name: "D(real)", pts: dReal, color: palette[0], smooth: true},
			{name: "loss D", pts: lossD, color: palette[1], smooth: true},
		},
		refs: []refLine{{"½, D(real) at the optimum", 0.5, darker(palette[0])},
			{"log 4 ≈ 1.386, loss D at the optimum", math.Log(4), darker(palette[1])}}}
	return renderFigure(toyWidth, toyRowHeight, []panelSpec{curves, hist})
}
