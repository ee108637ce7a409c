package run

import (
	"math"
	"testing"

	"gogan/cpu"
	"gogan/internal/memlimit"
	"gogan/models"
	"gogan/train"
)

// TestEstimateMemory checks the estimate against the networks and optimiser states really
// built for a configuration, and that it grows with the batch and the widths without
// overflowing at absurd sizes.
func TestEstimateMemory(t *testing.T) {
	cfg := Config{Arch: "dcgan28", NZ: 100, NGF: 64, NDF: 64, NC: 1, ImageSize: 28, BatchSize: 64}
	est, err := EstimateMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	built := cfg
	built.LR, built.Beta1, built.Beta2, built.Loss, built.DSteps = 2e-4, 0.5, 0.999, "nonsaturating", 1
	gan, err := BuildGAN(built, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, net := range []struct{ params, grads, m, v int }{
		{gan.G.Params.Len(), gan.G.Grads.Len(), gan.OptG.M.Len(), gan.OptG.V.Len()},
		{gan.D.Params.Len(), gan.D.Grads.Len(), gan.OptD.M.Len(), gan.OptD.V.Len()},
	} {
		held += net.params + net.grads + net.m + net.v
	}
	held += cfg.BatchSize * 28 * 28 // the real batch
	if low := 4 * float64(held); est < low {
		t.Errorf("estimate %.0f bytes is below the %.0f bytes of parameters, gradients, Adam moments and batch", est, low)
	}
	if est > 1e9 {
		t.Errorf("estimate %.0f bytes for the default DCGAN would refuse runs that fit a laptop", est)
	}
	bigger := cfg
	bigger.BatchSize = 256
	if more, _ := EstimateMemory(bigger); more <= est {
		t.Errorf("batch 256 estimated at %.0f bytes, batch 64 at %.0f", more, est)
	}
	averaged := cfg
	averaged.EMADecay = train.DefaultEMADecay
	if withEMA, _ := EstimateMemory(averaged); withEMA <= est+4*float64(gan.G.Params.Len()) {
		t.Errorf("with the averaged generator the estimate is %.0f bytes, without %.0f: it must count a second generator", withEMA, est)
	}
	absurd := Config{Arch: "dcgan64", NZ: models.MaxNZ, NGF: models.MaxWidth, NDF: models.MaxWidth, NC: 3, ImageSize: 64, BatchSize: MaxBatchSize}
	huge, err := EstimateMemory(absurd)
	if err != nil || math.IsInf(huge, 0) || math.IsNaN(huge) || huge < 1e15 {
		t.Errorf("the largest configuration is estimated at %g bytes (%v), want a finite figure above a petabyte", huge, err)
	}
}

// TestEstimateCountsCheckpoint checks that the estimate leaves room for what a checkpoint
// copies to the host beside the training state, for a configuration whose parameters
// outweigh its activations: without it a run that fits the estimate died of memory at its
// first save.
func TestEstimateCountsCheckpoint(t *testing.T) {
	cfg := Config{Arch: "dcgan28", NZ: 100, NGF: 128, NDF: 128, NC: 1, ImageSize: 28, BatchSize: 1,
		LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Loss: "nonsaturating", DSteps: 1}
	est, err := EstimateMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	gan, err := BuildGAN(cfg, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	training := 0.0
	for _, spec := range []func(models.Config) (models.Spec, error){models.Generator, models.Discriminator} {
		s, err := spec(cfg.Model())
		if err != nil {
			t.Fatal(err)
		}
		training += TrainingBytes(s, sampleCount)
	}
	saved := 4 * float64(checkpointFloats(gan))
	if est < training+saved {
		t.Errorf("estimate %s is below the %s of training state and activations plus the %s a checkpoint copies to the host",
			memlimit.Format(est), memlimit.Format(training), memlimit.Format(saved))
	}
}
