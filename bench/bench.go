package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"gogan/models"
	"gogan/nn"
	"gogan/run"
	"gogan/train"
)

// Result is the timing of full training steps.
type Result struct {
	Tool       string  `json:"tool"`
	Arch       string  `json:"arch"`
	BatchSize  int     `json:"batch_size"`
	Device     string  `json:"device"`
	CUDAGraph  bool    `json:"cuda_graph"`
	TF32       bool    `json:"tf32"`
	Steps      int     `json:"steps"`
	MsPerStep  float64 `json:"ms_per_step"`
	ImagesPerS float64 `json:"images_per_s"`
}

// Run times steps full training steps (D on a real and a fake batch, G through D, Adam, the
// non-saturating loss) of an architecture with nz 100, ngf = ndf = 64, nc 1, on synthetic
// data, after warmup untimed steps that let scratch buffers and caches settle. With graphs, a
// backend that can record a step replays it, as the trainer does.
func Run(b nn.Backend, arch string, batch, steps, warmup int, graphs bool) (Result, error) {
	if batch < 2 || steps < 1 || warmup < 0 {
		return Result{}, fmt.Errorf("need batch size ≥ 2 and steps ≥ 1; got batch size %d and steps %d", batch, steps)
	}
	cfg := run.Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 1, BatchSize: batch, LR: 2e-4, Beta1: 0.5, Beta2: 0.999,
		Loss: "nonsaturating", DSteps: 1, Seed: 1, ReplaySteps: graphs}
	if err := cfg.Model().Validate(); err != nil {
		return Result{}, err
	}
	gan, err := run.BuildGAN(cfg, b)
	if err != nil {
		return Result{}, err
	}
	defer gan.Close()
	replays := graphs && gan.UseGraphs()
	size := models.Archs[arch]
	rng := rand.New(rand.NewPCG(1, train.StreamBench))
	real := make([]float32, batch*size*size)
	for i := range real {
		real[i] = float32(2*rng.Float64() - 1)
	}
	next := func() ([]float32, int, error) { return real, batch, nil }
	latents := func(dst []float32) { train.SampleLatents(dst, rng) }
	for i := 0; i < warmup; i++ {
		if _, err := gan.StepUnlabelled(next, latents); err != nil {
			return Result{}, err
		}
	}
	if err := b.Sync(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	for i := 0; i < steps; i++ {
		if _, err := gan.StepUnlabelled(next, latents); err != nil {
			return Result{}, err
		}
	}
	if err := b.Sync(); err != nil {
		return Result{}, err
	}
	sec := time.Since(start).Seconds() / float64(steps)
	return Result{Tool: "gogan", Arch: arch, BatchSize: batch, Device: b.Name(), CUDAGraph: replays, Steps: steps,
		MsPerStep: sec * 1e3, ImagesPerS: float64(batch) / sec}, nil
}
