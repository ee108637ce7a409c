package run

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gogan/data"
	"gogan/generate"
	"gogan/nn"
	"gogan/train"
)

// emaStatLatents are the latents of the averaged generator's BatchNorm statistics: whole
// batches, and for a conditional G the classes in turn.
func emaStatLatents(cfg Config) []float32 {
	n := train.EMAStatBatches * cfg.BatchSize
	noise := make([]float32, n*cfg.NZ)
	train.SampleLatents(noise, rand.New(rand.NewPCG(cfg.Seed, train.StreamEMAStats)))
	if cfg.Model().Classes == 0 {
		return noise
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % cfg.Classes
	}
	return train.Conditioned(noise, labels, cfg.Classes)
}

// settleClasses checks that the data can train a conditional GAN and records its classes in
// the configuration; when resuming, the data's classes must be the checkpoint's.
func settleClasses(cfg *Config, ds *data.Dataset) error {
	if !cfg.Conditional {
		return nil
	}
	if ds.Labels == nil {
		why := ds.Unlabelled
		if why == "" {
			why = "it has no labels"
		}
		return fmt.Errorf("--conditional needs labelled data; %s is not: %s", ds.Name, why)
	}
	if cfg.Classes != 0 && !slices.Equal(cfg.ClassNames, ds.ClassNames) {
		return fmt.Errorf("the checkpoint's classes (%s) are not the data's (%s)",
			strings.Join(cfg.ClassNames, ", "), strings.Join(ds.ClassNames, ", "))
	}
	cfg.Classes, cfg.ClassNames = ds.Classes, ds.ClassNames
	return nil
}

// ParseClass finds a class by name (case-insensitive) or index among names.
func ParseClass(s string, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return i, nil
		}
	}
	if i, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && i >= 0 && i < len(names) {
		return i, nil
	}
	valid := make([]string, len(names))
	for i, n := range names {
		valid[i] = fmt.Sprintf("%d %q", i, n)
	}
	return 0, fmt.Errorf("no class %q; the classes are %s", s, strings.Join(valid, ", "))
}

// buildEMA makes the averaged generator of a run, a copy of G to start.
func buildEMA(cfg Config, gan *train.GAN, b nn.Backend) error {
	if cfg.EMADecay == 0 {
		return nil
	}
	avg, err := buildGenerator(b, cfg)
	if err != nil {
		return err
	}
	ema, err := train.NewEMA(avg, gan.G, cfg.EMADecay, emaStatLatents(cfg), cfg.BatchSize)
	if err != nil {
		return err
	}
	if cfg.EMAStats == train.EMAStatsAveraged {
		ema.AverageStats()
	}
	gan.EMA = ema
	return nil
}

// RecomputeEMAStats gives g, a run's averaged generator, the BatchNorm statistics that the
// run recomputes for it (EMAStatsRecomputed), whichever way the run kept them.
func RecomputeEMAStats(g *nn.Network, cfg Config) {
	z := emaStatLatents(cfg)
	per := g.InShape().Size()
	t := g.Backend().New(append(nn.Shape{len(z) / per}, g.InShape()...)...)
	defer g.Backend().Free(t)
	g.Backend().Upload(t, z)
	train.RecomputeBatchNorm(g, t, cfg.BatchSize)
}

// buildGenerator allocates a generator of cfg's architecture for batches of cfg.BatchSize;
// its weights are overwritten by the caller.
func buildGenerator(b nn.Backend, cfg Config) (*nn.Network, error) {
	return generate.Build(b, cfg.Model(), cfg.BatchSize)
}
