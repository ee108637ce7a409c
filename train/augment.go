package train

import (
	"math/rand/v2"

	"gogan/nn"
)

// Differentiable augmentation in the step (DiffAugment, Zhao et al. 2020; the op is
// nn.AugmentForward): D is updated on augment(real) and augment(fake), and G through
// augment(fake), each call with parameters of its own, drawn as DiffAugment draws them at each
// call. G's gradient reaches it through AugmentBackward, so G is not taught to make the
// transformations' artefacts. The parameters are drawn on the host from the run's augmentation
// stream and uploaded before the step's device work, like the latents, so that a recorded step
// (graphs.go) replays the same ops on each step's new parameters.

// augmentation holds a GAN's augmentation: its policy, its random stream and its buffers, all
// allocated once.
type augmentation struct {
	policy nn.AugmentPolicy
	rng    *rand.Rand
	h, w   int
	// params holds three blocks of capacity rows: D's real batch, D's fake batch, G's fake
	// batch; host is its host copy.
	params *nn.Tensor
	host   []float32
	// out is D's augmented input: the real batch, then the fake batch of D's step, then the
	// fake batch of G's step, each used up before the next overwrites it. grad is G's output
	// gradient, D's input gradient brought back through the augmentation.
	out, grad *nn.Tensor

	capacity              int
	n                     int // the batch size the views below were cut for
	pReal, pFakeD, pFakeG *nn.Tensor
	outN, gradN           *nn.Tensor
}

// augment slots: which block of parameters an augmentation uses.
const (
	augReal = iota
	augFakeD
	augFakeG
)

// SetAugment makes the following steps augment D's inputs with policy p, drawing the
// parameters from rng; a policy that changes nothing turns augmentation off. Buffers are
// allocated here, once, and steps recorded without augmentation are recorded again.
func (g *GAN) SetAugment(p nn.AugmentPolicy, rng *rand.Rand) {
	if g.graphs != nil {
		g.graphs.close() // recorded with the other augmentation; closing a graph does not fail
	}
	if !p.Enabled() {
		g.aug = nil
		return
	}
	capacity, in := g.Capacity(), g.D.InShape()
	a := &augmentation{policy: p, rng: rng, h: in[1], w: in[2], capacity: capacity,
		params: g.B.New(3*capacity, nn.AugmentValues),
		host:   make([]float32, 3*capacity*nn.AugmentValues),
		out:    g.B.New(append(nn.Shape{capacity}, in...)...),
		grad:   g.B.New(append(nn.Shape{capacity}, in...)...),
	}
	g.aug = a
}

// Augmenting reports whether steps augment D's inputs.
func (g *GAN) Augmenting() bool { return g.aug != nil }

// cut returns the augmentation's views for a batch of n, cut again only when n changes.
func (a *augmentation) cut(n int) {
	if n == a.n {
		return
	}
	block := a.capacity * nn.AugmentValues
	a.pReal = a.params.View(0, n, nn.AugmentValues)
	a.pFakeD = a.params.View(block, n, nn.AugmentValues)
	a.pFakeG = a.params.View(2*block, n, nn.AugmentValues)
	a.outN, a.gradN, a.n = a.out.Batch(n), a.grad.Batch(n), n
}

// paramsOf returns the device parameters of slot for the batch size last cut.
func (a *augmentation) paramsOf(slot int) *nn.Tensor {
	switch slot {
	case augFakeD:
		return a.pFakeD
	case augFakeG:
		return a.pFakeG
	}
	return a.pReal
}

// DrawDiscriminatorAugment draws and uploads the parameters of a discriminator update on
// batches of n: the real batch's, then the fake batch's. Step calls it; so does a test
// that calls DiscriminatorGrads itself.
func (g *GAN) DrawDiscriminatorAugment(n int) { g.drawAugment(n, nil, nil, augReal, augFakeD) }

// DrawGeneratorAugment draws and uploads the parameters of a generator update on n fakes.
func (g *GAN) DrawGeneratorAugment(n int) { g.drawAugment(n, nil, nil, augFakeG, augFakeG) }

// drawAugment draws the parameters of slots first to last for batches of n, in that order,
// into host, laid out as the device parameters are (a block of capacity rows per slot; the
// augmentation's own host copy when nil), and copies each block to the device: with a plain
// upload, or queued on async (the staged step), host being page-locked memory that must not
// change until a fence recorded after the copy has passed.
func (g *GAN) drawAugment(n int, host []float32, async nn.AsyncTransfers, first, last int) {
	a := g.aug
	if a == nil {
		return
	}
	if host == nil {
		host = a.host
	}
	a.cut(n)
	block := a.capacity * nn.AugmentValues
	for slot := first; slot <= last; slot++ {
		h := host[slot*block : slot*block+n*nn.AugmentValues]
		nn.DrawAugment(h, n, a.h, a.w, a.policy, a.rng)
		if async != nil {
			async.UploadAsync(a.paramsOf(slot), h)
		} else {
			g.B.Upload(a.paramsOf(slot), h)
		}
	}
}

// augmented returns D's input for x: x itself without augmentation, else x augmented with the
// parameters of slot.
func (g *GAN) augmented(x *nn.Tensor, slot int) *nn.Tensor {
	a := g.aug
	if a == nil {
		return x
	}
	a.cut(x.Shape[0])
	g.B.AugmentForward(a.outN, x, a.paramsOf(slot))
	return a.outN
}

// generatorGrad brings D's input gradient back through G's augmentation, to G's output.
func (g *GAN) generatorGrad(dx *nn.Tensor) *nn.Tensor {
	a := g.aug
	if a == nil {
		return dx
	}
	a.cut(dx.Shape[0])
	g.B.AugmentBackward(a.gradN, dx, a.pFakeG)
	return a.gradN
}
