package main

import (
	"fmt"

	"gogan/generate"
	"gogan/metrics"
	"gogan/nn"
	"gogan/run"
	"gogan/train"
)

// generatorName says which of a checkpoint's generators gan eval scores.
func generatorName(ck *run.Checkpoint, o evalOptions) string {
	switch {
	case !ck.HasEMA() || o.noEMA:
		return "generator"
	case o.emaStats == "generator":
		return "averaged generator with the trained generator's BatchNorm statistics"
	case o.emaStats == "recomputed":
		return "averaged generator with recomputed BatchNorm statistics"
	}
	return "averaged generator"
}

// loadEvalGenerator builds the checkpoint's generator that gan eval scores: the averaged one
// unless --no-ema, with the BatchNorm statistics --ema-stats asks for.
func loadEvalGenerator(b nn.Backend, ck *run.Checkpoint, o evalOptions) (*nn.Network, error) {
	g, err := generate.Load(b, ck.Generator(!o.noEMA))
	if err != nil {
		return nil, err
	}
	if o.emaStats == "generator" && ck.HasEMA() && !o.noEMA && g.Buffers != nil {
		raw, err := generate.Load(b, ck.Generator(false))
		if err != nil {
			return nil, err
		}
		b.Copy(g.Buffers, raw.Buffers)
	}
	if o.emaStats == "recomputed" && ck.HasEMA() && !o.noEMA {
		run.RecomputeEMAStats(g, ck.Config)
	}
	return g, nil
}

// scoreCheckpoint scores a checkpoint's generator on the latents of seed; a conditional one
// is asked for the classes in turn, and its class metrics are scored too.
func scoreCheckpoint(ev *metrics.Evaluator, g *nn.Network, ck *run.Checkpoint, seed uint64) (metrics.Scores, error) {
	nz, k := ck.Config.NZ, ck.Config.Model().Classes
	z := train.FixedLatents(seed, ev.N(), nz)
	if k == 0 {
		return ev.Score(metrics.FromGenerator(g, z, metrics.GenerateChunk))
	}
	if k != ev.Extractor().Classes {
		return metrics.Scores{}, fmt.Errorf("the generator has %d classes but the classifier of %s has %d", k, ck.Config.Dataset, ev.Extractor().Classes)
	}
	labels, classes := make([]int, ev.N()), make([]uint8, ev.N())
	for i := range labels {
		labels[i], classes[i] = i%k, uint8(i%k)
	}
	return ev.ScoreConditional(metrics.FromGenerator(g, train.Conditioned(z, labels, k), metrics.GenerateChunk), classes)
}
