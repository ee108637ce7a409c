package train

import (
	"fmt"

	"gogan/nn"
)

// A training step on a GPU is hundreds of small kernel launches, whose cost on the host
// rivals the work itself at DCGAN sizes. On a backend that can record work and replay it
// (nn.Capturer: the CUDA backend, through CUDA graphs), the GAN records its discriminator
// step and its generator step once and replays them: the same kernels with the same
// arguments, so the results are the same bits as the eager step's (a test checks this).
// Uploads of each batch and downloads of the statistics stay outside the graphs, ordered with
// them on the backend's queue.
//
// The graphs are recorded after the first full-size step has run eagerly, so that every
// buffer and scratch area exists; a batch of another size (an epoch's short last batch) runs
// eagerly. Recording again is needed when the networks' buffers are reallocated (Reserve for
// a larger batch), which the graphs would otherwise still point into.

// stepGraphs are a GAN's recorded steps for batches of n.
type stepGraphs struct {
	capturer nn.Capturer
	n        int
	d, g     nn.Graph
	fake     *nn.Tensor // G's output, which the D graph writes and the G graph reads
	// How far one replay advances the host-side counters that the recorded code advanced.
	dAdvance, gAdvance counters
	// The networks' capacities when recorded: a change means reallocated buffers.
	capG, capD int
}

// counters are the host-side counts that a step advances and a replay does not.
type counters struct{ gBatches, dBatches, gSteps, dSteps int }

func (g *GAN) counters() counters {
	return counters{g.G.BatchesTracked(), g.D.BatchesTracked(), g.OptG.Steps(), g.OptD.Steps()}
}

func (g *GAN) setCounters(c counters) {
	g.G.SetBatchesTracked(c.gBatches)
	g.D.SetBatchesTracked(c.dBatches)
	g.OptG.SetSteps(c.gSteps)
	g.OptD.SetSteps(c.dSteps)
}

func (c counters) minus(o counters) counters {
	return counters{c.gBatches - o.gBatches, c.dBatches - o.dBatches, c.gSteps - o.gSteps, c.dSteps - o.dSteps}
}

func (c counters) plus(o counters) counters {
	return counters{c.gBatches + o.gBatches, c.dBatches + o.dBatches, c.gSteps + o.gSteps, c.dSteps + o.dSteps}
}

// UseGraphs makes later steps replay recorded graphs when the backend can record them, and
// reports whether it can.
func (g *GAN) UseGraphs() bool {
	c, ok := g.B.(nn.Capturer)
	if ok && g.graphs == nil {
		g.graphs = &stepGraphs{capturer: c}
	}
	return ok
}

// Close releases the recorded graphs, if any.
func (g *GAN) Close() error {
	var err error
	if g.staged != nil {
		err = g.staged.close()
		g.staged = nil
	}
	if g.graphs == nil {
		return err
	}
	if e := g.graphs.close(); err == nil {
		err = e
	}
	return err
}

func (s *stepGraphs) close() error {
	var err error
	for _, gr := range []nn.Graph{s.d, s.g} {
		if gr != nil {
			if e := gr.Close(); err == nil {
				err = e
			}
		}
	}
	s.d, s.g, s.n = nil, nil, 0
	return err
}

// replayable reports whether a step of batch n can be replayed.
func (g *GAN) replayable(n int) bool {
	s := g.graphs
	return s != nil && s.d != nil && s.n == n && s.capG == g.G.Capacity() && s.capD == g.D.Capacity()
}

// discriminatorStep is DiscriminatorStep, replayed when it can be.
func (g *GAN) discriminatorStep(real, z *nn.Tensor) *nn.Tensor {
	if !g.replayable(real.Shape[0]) {
		return g.DiscriminatorStep(real, z)
	}
	g.graphs.d.Launch()
	g.setCounters(g.counters().plus(g.graphs.dAdvance))
	return g.graphs.fake
}

// generatorStep is GeneratorStep, replayed when it can be.
func (g *GAN) generatorStep(fake *nn.Tensor) {
	if !g.replayable(fake.Shape[0]) {
		g.GeneratorStep(fake)
		return
	}
	g.graphs.g.Launch()
	g.setCounters(g.counters().plus(g.graphs.gAdvance))
}

// recordGraphs records the steps after an eager step of the full batch, whose buffers now
// all exist, or again after the networks' buffers were reallocated.
func (g *GAN) recordGraphs(fake *nn.Tensor) error {
	s := g.graphs
	n := fake.Shape[0]
	if s == nil || n != g.Capacity() || g.replayable(n) {
		return nil
	}
	if err := s.close(); err != nil {
		return err
	}
	real, z := g.realN, g.zN
	before := g.counters()
	var recorded *nn.Tensor
	d, err := s.capturer.Capture(func() { recorded = g.DiscriminatorStep(real, z) })
	if err != nil {
		return fmt.Errorf("record the discriminator step as a graph: %w (--cuda-graph=false trains without graphs)", err)
	}
	dAdvance := g.counters().minus(before)
	g.setCounters(before)
	gr, err := s.capturer.Capture(func() { g.GeneratorStep(recorded) })
	if err != nil {
		d.Close()
		return fmt.Errorf("record the generator step as a graph: %w (--cuda-graph=false trains without graphs)", err)
	}
	gAdvance := g.counters().minus(before)
	g.setCounters(before)
	*s = stepGraphs{capturer: s.capturer, n: n, d: d, g: gr, fake: recorded, dAdvance: dAdvance, gAdvance: gAdvance,
		capG: g.G.Capacity(), capD: g.D.Capacity()}
	return nil
}

// Replaying reports whether steps of the full batch now replay recorded graphs.
func (g *GAN) Replaying() bool { return g.replayable(g.Capacity()) }
