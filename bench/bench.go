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
	// On a device, MsPerStep is what scripts/bench_torch.py times: the batch and latents
	// already on the device, one synchronisation after the timed steps. HostMsPerStep is the
	// trainer's step: latents drawn on the host and each batch and the statistics copied.
	HostMsPerStep float64 `json:"host_ms_per_step,omitempty"`
}

// Run times steps full training steps (D on a real and a fake batch, G through D, Adam, the
// non-saturating loss) of an architecture with nz 100, ngf = ndf = 64, nc 1, on synthetic
// data, after warmup untimed steps that let scratch buffers and caches settle. With graphs, a
// backend that can record a step replays it, as the trainer does. On a device it times both
// the step with its data already there and the trainer's step (see Result).
func Run(b nn.Backend, arch string, batch, steps, warmup int, graphs bool) (Result, error) {
	if batch < 2 || steps < 1 || warmup < 0 {
		return Result{}, fmt.Errorf("need batch size ≥ 2 and steps ≥ 1; got batch size %d and steps %d", batch, steps)
	}
	cfg := run.Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 1, BatchSize: batch, LR: 2e-4, Beta1: 0.5, Beta2: 0.999,
		Loss: "nonsaturating", DSteps: 1, Seed: 1, ReplaySteps: graphs}
	if err := cfg.Model().Validate(); err != nil {
		return Result{}, err
	}
	if batch > run.MaxBatchSize {
		return Result{}, fmt.Errorf("batch size %d must be at most %d", batch, run.MaxBatchSize)
	}
	cfg.ImageSize = models.Archs[arch]
	if err := run.CheckMemory(cfg); err != nil {
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
	hostStep := func() error { _, err := gan.StepUnlabelled(next, latents); return err }
	res := Result{Tool: "gogan", Arch: arch, BatchSize: batch, Device: b.Name(), CUDAGraph: replays, Steps: steps}
	if _, device := b.(nn.AsyncTransfers); !device {
		sec, err := timeSteps(b, hostStep, steps, warmup)
		if err != nil {
			return Result{}, err
		}
		res.MsPerStep, res.ImagesPerS = sec*1e3, float64(batch)/sec
		return res, nil
	}
	host, err := timeSteps(b, hostStep, steps, warmup)
	if err != nil {
		return Result{}, err
	}
	// The last host step left its batch and latents on the device, as bench_torch.py puts them.
	resident, err := timeSteps(b, func() error { return gan.StepResident(batch) }, steps, warmup)
	if err != nil {
		return Result{}, err
	}
	res.MsPerStep, res.ImagesPerS, res.HostMsPerStep = resident*1e3, float64(batch)/resident, host*1e3
	return res, nil
}

// timeSteps returns the seconds per step of steps calls of step after warmup untimed ones,
// with one synchronisation before the timed steps and one after.
func timeSteps(b nn.Backend, step func() error, steps, warmup int) (float64, error) {
	for i := 0; i < warmup; i++ {
		if err := step(); err != nil {
			return 0, err
		}
	}
	if err := b.Sync(); err != nil {
		return 0, err
	}
	start := time.Now()
	for i := 0; i < steps; i++ {
		if err := step(); err != nil {
			return 0, err
		}
	}
	if err := b.Sync(); err != nil {
		return 0, err
	}
	return time.Since(start).Seconds() / float64(steps), nil
}
