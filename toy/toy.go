package toy

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"

	"gogan/models"
	"gogan/nn"
	"gogan/run"
	"gogan/train"
)

// Points is the number of points of each curve of the one-dimensional experiment.
const Points = 15

// Options configure the one-dimensional experiment of the GAN tutorials.
type Options struct {
	Steps     int
	BatchSize int
	LR        float32
	Loss      nn.Objective
	Seed      uint64
	Out       string // folder for toy.png; empty for none
	Every     int    // report every this many steps
}

// Default are the tutorial's settings: Adam with lr 1e-4, batch 64, 5000 steps, minimax.
func Default() Options {
	return Options{Steps: 5000, BatchSize: 64, LR: 1e-4, Loss: nn.Minimax, Seed: 1, Every: 500}
}

// Result is what the experiment measured: the history of its steps and the means over
// the last Every steps, which the theory expects at ½ and log 4.
type Result struct {
	History []run.Record
	DReal   float64 `json:"d_real"`
	LossD   float64 `json:"loss_d"`
	LossG   float64 `json:"loss_g"`
	Curve   []float32
}

// toyX are the curve's abscissae, evenly spaced in [−1, 1].
func toyX() []float64 {
	x := make([]float64, Points)
	for i := range x {
		x[i] = -1 + 2*float64(i)/float64(Points-1)
	}
	return x
}

// Run trains the MLPs on curves y = a·x² + (a−1), a ~ U(1, 2), and reports progress to w.
func Run(b nn.Backend, o Options, w io.Writer) (*Result, error) {
	if o.Steps < 1 || o.BatchSize < 2 || !(o.LR > 0) || o.Every < 1 {
		return nil, fmt.Errorf("need steps ≥ 1, batch size ≥ 2 and lr > 0; got steps %d, batch size %d, lr %g", o.Steps, o.BatchSize, o.LR)
	}
	rng := rand.New(rand.NewPCG(o.Seed, train.StreamInit))
	g, err := models.Build(b, models.ToyGenerator(), o.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	d, err := models.Build(b, models.ToyDiscriminator(), o.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	// The tutorial's Adam keeps PyTorch's default betas.
	h := train.Hyper{Objective: o.Loss, LR: o.LR, Beta1: 0.9, Beta2: 0.999, DSteps: 1}
	if o.Loss == nn.Wasserstein {
		h.Clip = 0.01
	}
	gan, err := train.New(b, g, d, h, o.BatchSize)
	if err != nil {
		return nil, err
	}
	xs := toyX()
	drng := rand.New(rand.NewPCG(o.Seed, train.StreamToyData))
	real := make([]float32, o.BatchSize*Points)
	next := func() ([]float32, int, error) {
		for i := 0; i < o.BatchSize; i++ {
			a := 1 + drng.Float64()
			for j, x := range xs {
				real[i*Points+j] = float32(a*x*x + a - 1)
			}
		}
		return real, o.BatchSize, nil
	}
	zrng := rand.New(rand.NewPCG(o.Seed, train.StreamLatents))
	latents := func(dst []float32) { train.SampleLatents(dst, zrng) }
	res := &Result{}
	for step := 1; step <= o.Steps; step++ {
		s, err := gan.StepUnlabelled(next, latents)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", step, err)
		}
		res.History = append(res.History, run.Record{Step: step, Stats: s})
		if step%o.Every == 0 || step == o.Steps {
			dr, ld, _ := toyMeans(res.History, o.Every)
			fmt.Fprintf(w, "step %5d  D(real) %.3f  loss D %.3f  (log 4 = %.3f)\n", step, dr, ld, math.Log(4))
		}
	}
	res.DReal, res.LossD, res.LossG = toyMeans(res.History, o.Every)
	z := b.New(1, 5)
	b.Upload(z, train.FixedLatents(o.Seed, 1, 5))
	res.Curve = make([]float32, Points)
	b.Download(res.Curve, gan.G.Forward(z, false))
	if o.Out != "" {
		if err := run.WriteToyPlot(filepath.Join(o.Out, "toy.png"), res.Curve, res.History, xs); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// toyMeans averages D(real), D's loss and G's loss over the last n steps.
func toyMeans(h []run.Record, n int) (dReal, lossD, lossG float64) {
	k := min(n, len(h))
	for _, r := range h[len(h)-k:] {
		dReal += r.DReal
		lossD += r.LossD
		lossG += r.LossG
	}
	return dReal / float64(k), lossD / float64(k), lossG / float64(k)
}
