package train

import (
	"fmt"

	"gogan/nn"
)

// An exponential moving average of G's weights (Karras et al. 2018; Yazıcı et al. 2019) is
// the generator that BigGAN, StyleGAN and StudioGAN sample from: the raw G oscillates around
// the equilibrium as D chases it, and the average sits nearer its centre, for the cost of one
// pass over G's parameters per step.
//
// Warm-up: at generator step t the decay is min(decay, (1+t)/(10+t)), as in TensorFlow's
// ExponentialMovingAverage with num_updates, so the average forgets the random
// initialisation at once and reaches the full decay only after ~10/(1−decay) steps.
//
// BatchNorm: averaged weights make activations of other means and variances than any
// generator that trained. Two ways of giving the average statistics of its own
// (Config.EMAStats):
//   - EMAStatsRecomputed ("standing statistics", Brock et al. 2019): reset, then the exact
//     mean of the batch statistics of EMAStatBatches batches of fixed latents, before every
//     use (sample grids, evaluations, checkpoints). The latents are fixed per run, so the
//     statistics are a function of the averaged weights alone and a resumed run recomputes
//     the same ones.
//   - EMAStatsAveraged: G's running statistics averaged with the weights, at the same decay
//     (what timm's ModelEmaV2 and torch.optim.swa_utils.AveragedModel(use_buffers=True) do).
//     No extra forward passes; the statistics describe G's recent activations rather than
//     the average's own.
//
// Recomputing is the default: on two runs other than the one that chose the decay (dcgan28,
// Fashion-MNIST, 4685 steps, seeds 2 and 3) it gave Fréchet distances of 11.63 and 10.29,
// against 12.60 and 10.65 with averaged statistics and 12.45 and 11.49 with G's own.

// DefaultEMADecay is --ema-decay's default, measured rather than borrowed: on dcgan28 after
// 4685 steps of Fashion-MNIST (default hyperparameters, one run, every average of the same G),
// the Fréchet distance of the average fell steadily with a shorter window, from 12.91 at
// 0.999 (the warm-up caps that at about 0.998 by then) through 12.47 at 0.997, 12.12 at 0.995
// and 11.88 at 0.99 to 11.48 at 0.98, against 14.33 for G itself. At DCGAN's learning rate G
// still improves fast at that length, so an average over the last ~50 steps keeps up with it
// and removes most of its step-to-step jitter; runs many times longer may gain from a longer
// window.
const DefaultEMADecay = 0.98

// The ways of keeping the averaged generator's BatchNorm statistics (see above).
const (
	EMAStatsRecomputed = "recomputed"
	EMAStatsAveraged   = "averaged"
)

// EMAStatBatches is the number of batches whose statistics the averaged generator's
// BatchNorm layers average.
const EMAStatBatches = 16

// EMA is a moving average of a generator's weights, in a network of its own.
type EMA struct {
	G     *nn.Network // the averaged generator
	Decay float32
	src   *nn.Network
	// statLatents are the latents of the statistics' batches, (EMAStatBatches·batch, in...).
	statLatents *nn.Tensor
	batch       int
	fresh       bool // the BatchNorm statistics match the weights
	// averageStats averages G's running statistics with its weights instead of recomputing
	// the average's own.
	averageStats bool
}

// NewEMA starts an average of src's weights in avg, a network of the same layers; statZ holds
// the host latents of the statistics' batches, whole batches of batch.
func NewEMA(avg, src *nn.Network, decay float32, statZ []float32, batch int) (*EMA, error) {
	if !(decay > 0 && decay < 1) {
		return nil, fmt.Errorf("ema decay %g must lie in (0, 1)", decay)
	}
	if avg.Params.Len() != src.Params.Len() || !avg.InShape().Equal(src.InShape()) {
		return nil, fmt.Errorf("ema: the averaged network does not match the generator")
	}
	per := src.InShape().Size()
	if batch < 1 || len(statZ) == 0 || len(statZ)%(per*batch) != 0 {
		return nil, fmt.Errorf("ema: %d latent values are not whole batches of %d", len(statZ), batch)
	}
	b := avg.Backend()
	if err := avg.Reserve(batch); err != nil {
		return nil, err
	}
	e := &EMA{G: avg, Decay: decay, src: src, batch: batch,
		statLatents: b.New(append(nn.Shape{len(statZ) / per}, src.InShape()...)...)}
	b.Upload(e.statLatents, statZ)
	b.Copy(avg.Params, src.Params)
	return e, nil
}

// AverageStats makes the average keep a moving average of G's BatchNorm running statistics,
// starting from G's present ones, instead of recomputing its own before each use.
func (e *EMA) AverageStats() {
	if e.G.Buffers != nil {
		e.G.Backend().Copy(e.G.Buffers, e.src.Buffers)
	}
	e.averageStats, e.fresh = true, true
}

// DecayAt is the decay of the update after generator step t (t from 1), with the warm-up.
func DecayAt(decay float32, t int) float32 {
	return min(decay, float32(1+t)/float32(10+t))
}

// Update moves the average towards the generator's weights after its step t.
func (e *EMA) Update(t int) {
	b, decay := e.G.Backend(), DecayAt(e.Decay, t)
	b.EMAUpdate(e.G.Params, e.src.Params, decay)
	if e.averageStats {
		if e.G.Buffers != nil {
			b.EMAUpdate(e.G.Buffers, e.src.Buffers, decay)
		}
		return
	}
	e.fresh = false
}

// Loaded marks the average's statistics as matching its weights, after both were restored
// from a checkpoint.
func (e *EMA) Loaded() { e.fresh = true }

// Ready recomputes the BatchNorm statistics when the weights moved since they were computed.
// It must be called before the averaged generator runs in evaluation mode.
func (e *EMA) Ready() {
	if !e.fresh {
		RecomputeBatchNorm(e.G, e.statLatents, e.batch)
		e.fresh = true
	}
}

// RecomputeBatchNorm sets net's BatchNorm running statistics to the mean of its batch
// statistics over z, in batches of batch: the k-th batch enters with momentum 1/(k+1), which
// makes the running values the exact mean (PyTorch's momentum=None). The batches tracked
// stay as they were.
func RecomputeBatchNorm(net *nn.Network, z *nn.Tensor, batch int) {
	var bns []*nn.BatchNorm
	for _, l := range net.Layers() {
		if bn, ok := l.(*nn.BatchNorm); ok {
			bns = append(bns, bn)
		}
	}
	if len(bns) == 0 {
		return
	}
	if err := net.Reserve(batch); err != nil {
		panic(err) // batch is positive: checked by NewEMA
	}
	tracked := net.BatchesTracked()
	saved := make([]float32, len(bns))
	for i, bn := range bns {
		saved[i] = bn.Momentum
	}
	per := z.Len() / z.Shape[0]
	for k := 0; k*batch < z.Shape[0]; k++ {
		for _, bn := range bns {
			bn.Momentum = 1 / float32(k+1)
		}
		n := min(batch, z.Shape[0]-k*batch)
		net.Forward(z.View(k*batch*per, append(nn.Shape{n}, z.Shape[1:]...)...), true)
	}
	for i, bn := range bns {
		bn.Momentum = saved[i]
	}
	net.SetBatchesTracked(tracked)
}

// Sampler is the generator that samples: the average when there is one, ready to run.
func (g *GAN) Sampler() *nn.Network {
	if g.EMA == nil {
		return g.G
	}
	g.EMA.Ready()
	return g.EMA.G
}
