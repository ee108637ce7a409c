package train

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"bytes"

	"gogan/internal/atomicfile"
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
		return nil, fmt.Errorf("toy: need steps ≥ 1, batch size ≥ 2, lr > 0; got %d, %d, %g", o.Steps, o.BatchSize, o.LR)
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
	drng := rand.New(rand.NewPCG(o.Seed, 4))
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
			return nil, fmt.Errorf("toy step %d: %w", step, err)
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

// writeToyPlot draws a generated curve between the bounds of the real ones, and the history
// of D(real) and D's loss against their values at the optimum.
func writeToyPlot(path string, res *ToyResult, xs []float64) error {
	const w, h = 10 * vg.Inch, 4 * vg.Inch
	canvas := vgimg.New(w, h)
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(12), PadTop: vg.Points(4), PadBottom: vg.Points(4)}

	curves := plot.New()
	curves.Title.Text = "A generated curve between the bounds of the real ones"
	curves.X.Label.Text = "x"
	upper, lower, gen := make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i, x := range xs {
		upper[i] = plotter.XY{X: x, Y: 2*x*x + 1}
		lower[i] = plotter.XY{X: x, Y: x * x}
		gen[i] = plotter.XY{X: x, Y: float64(res.Curve[i])}
	}
	for _, s := range []struct {
		name string
		pts  plotter.XYs
		c    color.Color
	}{{"upper bound 2x²+1", upper, palette[0]}, {"lower bound x²", lower, palette[2]}, {"generated", gen, palette[1]}} {
		l, err := plotter.NewLine(s.pts)
		if err != nil {
			return err
		}
		l.Color = s.c
		curves.Add(l)
		curves.Legend.Add(s.name, l)
	}
	curves.Legend.Top = true
	curves.Legend.Left = true
	curves.Draw(tiles.At(dc, 0, 0))

	hist := plot.New()
	hist.Title.Text = "D(real) → ½ and D's loss → log 4"
	hist.X.Label.Text = "step"
	for i, s := range []Series{{"D(real)", func(r Record) float64 { return r.DReal }}, {"loss D", func(r Record) float64 { return r.LossD }}} {
		pts := make(plotter.XYs, len(res.History))
		for k, r := range res.History {
			pts[k] = plotter.XY{X: float64(r.Step), Y: s.Values(r)}
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = palette[i]
		hist.Add(l)
		hist.Legend.Add(s.Name, l)
	}
	last := float64(len(res.History))
	for _, ref := range []struct {
		name string
		y    float64
	}{{"½", 0.5}, {"log 4", math.Log(4)}} {
		l, err := plotter.NewLine(plotter.XYs{{X: 1, Y: ref.y}, {X: last, Y: ref.y}})
		if err != nil {
			return err
		}
		l.Color, l.Dashes = color.Gray{Y: 120}, []vg.Length{vg.Points(4), vg.Points(4)}
		hist.Add(l)
		hist.Legend.Add(ref.name, l)
	}
	hist.Legend.Top = true
	hist.Draw(tiles.At(dc, 1, 0))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
