package run

import (
	"gogan/metrics"
	"gogan/nn"
)

// evaluate scores G, and the averaged G when there is one, on the evaluation latents,
// BatchNorm in evaluation mode.
func (r *run) evaluate(rec *Record) error {
	var err error
	if rec.Quality, err = r.score(r.gan.G); err != nil || r.gan.EMA == nil {
		return err
	}
	rec.QualityEMA, err = r.score(r.gan.Sampler())
	return err
}

// score scores one generator; a conditional one is asked for the classes in turn, as the
// evaluation latents say, and scored on them too.
func (r *run) score(g *nn.Network) (*metrics.Scores, error) {
	generate := metrics.FromGenerator(g, r.zEval, r.cfg.BatchSize)
	var s metrics.Scores
	var err error
	if k := r.gan.Classes; k > 0 {
		labels := make([]uint8, r.eval.N())
		for i := range labels {
			labels[i] = uint8(i % k)
		}
		s, err = r.eval.ScoreConditional(generate, labels)
	} else {
		s, err = r.eval.Score(generate)
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}
