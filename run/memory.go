package run

import (
	"fmt"

	"gogan/internal/memlimit"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// activationFactor covers what a step holds beside each layer's output and input gradient:
// the GEMM packing buffers and the batch-sized temporaries of the backends.
const activationFactor = 1.5

// loaderBatches is how many batches the data loader prepares ahead, as float32.
const loaderBatches = 3

// EstimateMemory is the memory in bytes that training cfg needs beside the dataset: both
// networks' parameters, gradients and Adam moments, the activations and their gradients at
// the batch size (and at the 64 of the sample grids), the host copies a checkpoint is
// written from, and the loader's batches. It is
// computed in float64 so that absurd sizes give a huge figure rather than an overflow.
func EstimateMemory(cfg Config) (float64, error) {
	total := 0.0
	for _, spec := range []func(models.Config) (models.Spec, error){models.Generator, models.Discriminator} {
		s, err := spec(cfg.Model())
		if err != nil {
			return 0, err
		}
		params, buffers, perSample := planSizes(s)
		capacity := float64(max(cfg.BatchSize, sampleCount))
		total += 4 * (4*params + buffers + activationFactor*perSample*capacity)
		// A checkpoint's host copies: the weights and buffers, and both Adam moments.
		total += 4 * (3*params + buffers)
	}
	if cfg.EMADecay > 0 {
		// The averaged generator is a network of its own: weights, buffers and activations,
		// no gradients or Adam moments, and the latents of its statistics' batches.
		s, err := models.Generator(cfg.Model())
		if err != nil {
			return 0, err
		}
		params, buffers, perSample := planSizes(s)
		capacity := float64(max(cfg.BatchSize, sampleCount))
		total += 4 * (params + buffers + activationFactor*perSample*capacity)
		total += 4 * (params + buffers) // its host copy in a checkpoint
		total += 4 * float64(train.EMAStatBatches) * float64(cfg.BatchSize) * float64(cfg.NZ)
	}
	image := float64(cfg.NC) * float64(cfg.ImageSize) * float64(cfg.ImageSize)
	batch := float64(cfg.BatchSize)
	total += 4 * batch * (image + float64(cfg.NZ)) * (1 + loaderBatches)
	return total, nil
}

// planSizes walks a network's layer plans without allocating: parameter and buffer counts,
// and the floats of activations and input gradients per sample.
func planSizes(s models.Spec) (params, buffers, perSample float64) {
	shape := s.In
	for _, l := range s.Layers {
		p, err := l.Plan(shape)
		if err != nil {
			return params, buffers, perSample
		}
		for _, sp := range p.Params {
			params += shapeSize(sp.Shape)
		}
		for _, sp := range p.Buffers {
			buffers += shapeSize(sp.Shape)
		}
		perSample += shapeSize(shape) + shapeSize(p.Out)
		shape = p.Out
	}
	return params, buffers, perSample
}

func shapeSize(s nn.Shape) float64 {
	n := 1.0
	for _, d := range s {
		n *= float64(d)
	}
	return n
}

// checkMemory refuses a run whose networks, batches and dataset would not fit in the memory
// this process may use, before any of it is allocated.
func checkMemory(cfg Config, datasetBytes int) error {
	need, err := EstimateMemory(cfg)
	if err != nil {
		return err
	}
	what := fmt.Sprintf("training %s with ngf %d, ndf %d, nz %d and batch size %d", cfg.Arch, cfg.NGF, cfg.NDF, cfg.NZ, cfg.BatchSize)
	return memlimit.Check(need+float64(datasetBytes), what, "lower --batch-size, --ngf or --ndf")
}

// CheckMemory refuses a configuration whose networks and buffers would not fit the memory
// the process may use, as gan train does before it builds anything: for the commands that
// build a GAN beside gan train (gan bench).
func CheckMemory(cfg Config) error { return checkMemory(cfg, 0) }

// TrainingBytes estimates the bytes of training the network s at batch size batch with Adam:
// parameters, their gradients and moments, fixed buffers and the activations of a step.
func TrainingBytes(s models.Spec, batch int) float64 {
	params, buffers, perSample := planSizes(s)
	return 4 * (4*params + buffers + activationFactor*perSample*float64(batch))
}
