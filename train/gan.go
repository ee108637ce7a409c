// Package train runs GAN training steps on any backend: the discriminator is updated on a
// real and a detached fake batch, then the generator through the discriminator, with the
// chosen objective, as in the PyTorch DCGAN example and Algorithm 1 of the GAN paper.
//
// A class-conditional GAN (see package models for the design) shows D each real batch with
// its classes and asks G for the same classes, so the fakes follow the data's class mix and
// D judges the real and the fake batch with one set of labels. After each generator update
// a moving average of G's weights moves towards it (ema.go); sample grids, evaluations and
// gan generate use the average.
//
// The package holds what a step needs and nothing of a run: the step (gan.go) and its settings (hyper.go), its recording
// and replay on backends that can (graphs.go), the averaged generator (ema.go), the latents
// and the run's random streams (latents.go), and the finiteness checks. The run around the
// steps (data, folder, checkpoints, figures) is package run's. train imports nn and no
// backend.
package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gogan/nn"
)

// GAN is a generator and a discriminator with their optimisers and the device buffers of a
// training step, all allocated once.
type GAN struct {
	B          nn.Backend
	G, D       *nn.Network
	OptG, OptD *nn.Optimizer
	Hyper      Hyper

	z, real  *nn.Tensor // (capacity, nz+classes, 1, 1) and (capacity, C, H, W)
	labels   *nn.Tensor // (capacity): the real batch's classes, also asked of G; nil when unconditional
	dlogits  *nn.Tensor // (capacity, 1)
	stats    *nn.Tensor // (9): LogitLoss stats of D on real, D on fake, and the G step
	hostZ    []float32
	hostStat [9]float32
	// Classes of a conditional GAN (0 for an unconditional one): G's input ends in a
	// one-hot class, D ends in a projection on the labels.
	Classes    int
	hostNoise  []float32 // the latents' noise part, before the one-hot classes join it
	hostLabels []float32

	// EMA, when not nil, is moved towards G after every generator update.
	EMA *EMA

	// Views cut once: the statistics' parts, and the batch views for the last batch size.
	statD, statReal, statFake, statG *nn.Tensor
	cutN                             int
	zN, realN, dlN, labelsN          *nn.Tensor

	graphs *stepGraphs   // nil: every step runs op by op
	staged *staging      // page-locked inputs and statistics; nil until a step needs them
	aug    *augmentation // nil: D sees the images as they are (augment.go)
}

// batch returns the latent, real and logit-gradient views for a batch of n, cut again only
// when n changes, so that a training step allocates nothing for them.
func (g *GAN) batch(n int) (z, real, dl *nn.Tensor) {
	if n != g.cutN {
		g.zN, g.realN, g.dlN, g.cutN = g.z.Batch(n), g.real.Batch(n), g.dlogits.Batch(n), n
		if g.labels != nil {
			g.labelsN = g.labels.Batch(n)
		}
	}
	return g.zN, g.realN, g.dlN
}

// Stats are the scalars of one generator step, averaged over its discriminator steps where
// there are several.
type Stats struct {
	LossD     float64 `json:"loss_d"`      // D's loss: real term + fake term
	LossG     float64 `json:"loss_g"`      // G's loss
	DReal     float64 `json:"d_real"`      // mean σ(D(x))
	DFake     float64 `json:"d_fake"`      // mean σ(D(G(z))) in D's update
	DFakeG    float64 `json:"d_fake_g"`    // mean σ(D(G(z))) in G's update, after D's update
	CriticGap float64 `json:"critic_gap"`  // mean D(x) − mean D(G(z)) in logits (the WGAN estimate)
	LossDReal float64 `json:"loss_d_real"` // the real term of D's loss
	LossDFake float64 `json:"loss_d_fake"` // the fake term of D's loss
}

// New assembles a GAN from built networks, with Adam for both, for batches of up to capacity.
func New(b nn.Backend, g, d *nn.Network, h Hyper, capacity int) (*GAN, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	if !g.OutShape().Equal(d.InShape()) {
		return nil, fmt.Errorf("generator makes %v but the discriminator takes %v", g.OutShape(), d.InShape())
	}
	if out := d.OutShape(); out.Size() != 1 {
		return nil, fmt.Errorf("discriminator outputs %v per sample, want one logit", out)
	}
	if err := g.Reserve(capacity); err != nil {
		return nil, err
	}
	if err := d.Reserve(capacity); err != nil {
		return nil, err
	}
	optG, err := nn.NewAdam(g, h.G.LR, h.G.Beta1, h.G.Beta2, 0)
	if err != nil {
		return nil, err
	}
	optD, err := nn.NewAdam(d, h.D.LR, h.D.Beta1, h.D.Beta2, 0)
	if err != nil {
		return nil, err
	}
	optD.Clip = h.Clip
	classes := classesOf(d)
	nz := g.InShape().Size() - classes
	if nz < 1 {
		return nil, fmt.Errorf("generator input %v leaves no room for %d one-hot classes", g.InShape(), classes)
	}
	gan := &GAN{Classes: classes, B: b, G: g, D: d, OptG: optG, OptD: optD, Hyper: h,
		z:       b.New(append(nn.Shape{capacity}, g.InShape()...)...),
		real:    b.New(append(nn.Shape{capacity}, d.InShape()...)...),
		dlogits: b.New(capacity, 1),
		stats:   b.New(9),
		hostZ:   make([]float32, capacity*g.InShape().Size()),
	}
	if classes > 0 {
		gan.labels = b.New(capacity)
		gan.hostNoise, gan.hostLabels = make([]float32, capacity*nz), make([]float32, capacity)
	}
	gan.statD, gan.statReal, gan.statFake, gan.statG = gan.stats.View(0, 6), gan.stats.View(0, 3), gan.stats.View(3, 3), gan.stats.View(6, 3)
	return gan, nil
}

// classesOf returns the classes a discriminator's projection judges, 0 when it has none.
func classesOf(d *nn.Network) int {
	for _, l := range d.Layers() {
		if p, ok := l.(*nn.Projection); ok {
			return p.Classes
		}
	}
	return 0
}

// Capacity is the largest batch the GAN's buffers hold.
func (g *GAN) Capacity() int { return g.real.Shape[0] }

// SampleLatents fills dst with N(0, 1) draws from rng, in order, so that a seed gives the
// same latents on every machine and backend.
func SampleLatents(dst []float32, rng *rand.Rand) {
	for i := range dst {
		dst[i] = float32(rng.NormFloat64())
	}
}

// UploadReal copies a host batch of n real samples, n·C·H·W values, into the GAN's buffer.
func (g *GAN) UploadReal(host []float32, n int) (*nn.Tensor, error) {
	if n < 1 || n > g.Capacity() {
		return nil, fmt.Errorf("batch of %d samples, want 1 to %d", n, g.Capacity())
	}
	_, real, _ := g.batch(n)
	if len(host) != real.Len() {
		return nil, fmt.Errorf("batch of %d values, want %d for %v", len(host), real.Len(), real.Shape)
	}
	g.B.Upload(real, host)
	return real, nil
}

// DiscriminatorStep updates D once on a real batch and on G's output for the latents z (the
// same batch size), and returns G's output, which the generator step may reuse.
func (g *GAN) DiscriminatorStep(real, z *nn.Tensor) *nn.Tensor {
	fake := g.DiscriminatorGrads(real, z)
	g.OptD.Step()
	return fake
}

// DiscriminatorGrads leaves in D's gradient arena the gradient of D's loss on a real batch and
// on G's output for the latents z, and returns that output. With augmentation, D judges both
// batches augmented, with the parameters DrawDiscriminatorAugment uploaded.
func (g *GAN) DiscriminatorGrads(real, z *nn.Tensor) *nn.Tensor {
	termReal, termFake := g.Hyper.Objective.DiscriminatorTerms()
	n := real.Shape[0]
	_, _, dl := g.batch(n)
	g.D.ZeroGrad()
	g.D.SetLabels(g.labelsN)
	logits := g.D.Forward(g.augmented(real, augReal), true)
	g.B.LogitLoss(g.statReal, dl, logits, termReal, 1)
	g.D.Backward(dl, false)
	fake := g.G.Forward(z, true)
	logits = g.D.Forward(g.augmented(fake, augFakeD), true)
	g.B.LogitLoss(g.statFake, dl, logits, termFake, 1)
	g.D.Backward(dl, false)
	return fake
}

// GeneratorStep updates G through the updated D on fake, the output of G's last forward pass
// in training mode (whose activations the backward pass reuses).
func (g *GAN) GeneratorStep(fake *nn.Tensor) {
	g.GeneratorGrads(fake)
	g.OptG.Step()
}

// GeneratorGrads leaves in G's gradient arena the gradient of G's loss through D on fake,
// augmented with the parameters DrawGeneratorAugment uploaded when augmenting.
func (g *GAN) GeneratorGrads(fake *nn.Tensor) {
	_, _, dl := g.batch(fake.Shape[0])
	g.G.ZeroGrad()
	g.D.SetLabels(g.labelsN)
	logits := g.D.Forward(g.augmented(fake, augFakeG), true)
	g.B.LogitLoss(g.statG, dl, logits, g.Hyper.Objective.GeneratorTerm(), 1)
	dfake := g.D.InputGrad(dl)
	g.G.Backward(g.generatorGrad(dfake), false)
}

// Batch is a batch of real samples on the host: N·C·H·W values in [−1, 1] and, for a
// conditional GAN, the N classes.
type Batch struct {
	Images []float32
	N      int
	Labels []uint8
}

// StepUnlabelled is Step with batches of images alone (n·C·H·W host values), for an
// unconditional GAN: the toy experiment, the benchmark and tests.
func (g *GAN) StepUnlabelled(next func() ([]float32, int, error), latents func(dst []float32)) (Stats, error) {
	return g.Step(func() (Batch, error) {
		images, n, err := next()
		return Batch{Images: images, N: n}, err
	}, latents)
}

// Step is one generator step with DSteps discriminator updates before it, the step of every
// run: next supplies each real batch, with its classes for a conditional GAN (D is shown them
// with the real images and G is asked for the same, so the fakes follow the data's classes),
// and latents fills each latent batch (see SampleLatents). It returns the step's statistics,
// or an error when a loss is not finite.
func (g *GAN) Step(next func() (Batch, error), latents func(dst []float32)) (Stats, error) {
	staged, err := g.stagingFor()
	if err != nil {
		return Stats{}, err
	}
	if staged != nil {
		// Queued, then waited for at once: the same work and statistics as StepQueued's.
		staged.stats[staged.cur^1].pending = false
		if err := g.queueStep(staged, next, latents); err != nil {
			return Stats{}, err
		}
		return g.readStats(staged, &staged.stats[staged.cur^1])
	}
	var s Stats
	var fake *nn.Tensor
	for k := 0; k < g.Hyper.DSteps; k++ {
		batch, err := next()
		if err != nil {
			return s, err
		}
		n := batch.N
		real, err := g.UploadReal(batch.Images, n)
		if err != nil {
			return s, err
		}
		if err := g.uploadLatents(n, batch.Labels, latents); err != nil {
			return s, err
		}
		g.DrawDiscriminatorAugment(n)
		z, _, _ := g.batch(n)
		fake = g.discriminatorStep(real, z)
		if k < g.Hyper.DSteps-1 {
			// The next D step overwrites these statistics; the last D step's are downloaded
			// with G's after the G step, so that a step waits on the device once.
			g.B.Download(g.hostStat[:6], g.statD)
			s.addDiscriminator(g.hostStat[:6])
		}
	}
	g.DrawGeneratorAugment(fake.Shape[0])
	g.generatorStep(fake)
	if g.EMA != nil {
		g.EMA.Update(g.OptG.Steps())
	}
	g.B.Download(g.hostStat[:], g.stats)
	s.addDiscriminator(g.hostStat[:6])
	if err := g.recordGraphs(fake); err != nil {
		return s, err
	}
	return g.finishStats(s, g.hostStat[6], g.hostStat[7])
}

// finishStats averages the summed statistics of the discriminator steps, adds the generator
// step's, and fails when a loss is not finite.
func (g *GAN) finishStats(s Stats, lossG, dFakeG float32) (Stats, error) {
	k := float64(g.Hyper.DSteps)
	s.LossDReal, s.LossDFake, s.DReal, s.DFake, s.CriticGap = s.LossDReal/k, s.LossDFake/k, s.DReal/k, s.DFake/k, s.CriticGap/k
	s.LossD = s.LossDReal + s.LossDFake
	s.LossG, s.DFakeG = float64(lossG), float64(dFakeG)
	if bad := !finite(s.LossD) || !finite(s.LossG); bad {
		// A device backend reports a failed op (out of memory, say) only at the next
		// synchronisation, and its downloads are NaN meanwhile: name that cause first.
		if err := g.B.Sync(); err != nil {
			return s, err
		}
		return s, fmt.Errorf("loss is not finite (D %g, G %g): training diverged; lower --lr or try another --loss", s.LossD, s.LossG)
	}
	return s, nil
}

// addDiscriminator adds one D step's statistics, [mean loss term, mean σ(logit), mean logit]
// on real then on fake, to the sums that Step averages.
func (s *Stats) addDiscriminator(h []float32) {
	s.LossDReal += float64(h[0])
	s.LossDFake += float64(h[3])
	s.DReal += float64(h[1])
	s.DFake += float64(h[4])
	s.CriticGap += float64(h[2] - h[5])
}

// uploadLatents draws a batch of n latents and, for a conditional GAN, joins them to the
// one-hot classes of labels and uploads the labels for D.
func (g *GAN) uploadLatents(n int, labels []uint8, latents func(dst []float32)) error {
	z, _, _ := g.batch(n)
	if g.Classes == 0 {
		zHost := g.hostZ[:z.Len()]
		latents(zHost)
		g.B.Upload(z, zHost)
		return nil
	}
	zHost, lab := g.hostZ[:z.Len()], g.hostLabels[:n]
	if err := g.joinLatents(zHost, lab, n, labels, latents); err != nil {
		return err
	}
	g.B.Upload(z, zHost)
	g.B.Upload(g.labelsN, lab)
	return nil
}

// joinLatents draws the noise of n latents and writes into zHost G's conditional input for
// the classes in labels, and into lab the classes as float32 for D.
func (g *GAN) joinLatents(zHost, lab []float32, n int, labels []uint8, latents func(dst []float32)) error {
	if len(labels) != n {
		return fmt.Errorf("conditional step: %d labels for a batch of %d", len(labels), n)
	}
	nz := len(zHost)/n - g.Classes
	noise := g.hostNoise[:n*nz]
	latents(noise)
	for i, l := range labels {
		if int(l) >= g.Classes {
			return fmt.Errorf("conditional step: label %d outside the %d classes", l, g.Classes)
		}
		lab[i] = float32(l)
	}
	JoinClasses(zHost, noise, lab, g.Classes)
	return nil
}

// JoinClasses writes G's conditional input: for each sample its nz noise values from noise
// followed by the one-hot code of its class (a float32 index in labels) among classes.
func JoinClasses(dst, noise, labels []float32, classes int) {
	n := len(labels)
	nz := len(noise) / n
	per := nz + classes
	for i, l := range labels {
		row := dst[i*per : (i+1)*per]
		copy(row, noise[i*nz:(i+1)*nz])
		clear(row[nz:])
		row[nz+int(l)] = 1
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// StatsOf returns the last LogitLoss statistics on the host: [0:3] of D on real, [3:6] of D on
// fake, [6:9] of the generator step, each [mean loss term, mean σ(logit), mean logit].
func (g *GAN) StatsOf() [9]float32 {
	g.B.Download(g.hostStat[:], g.stats)
	return g.hostStat
}

// Generate runs G on latents z in evaluation mode (BatchNorm with running statistics) and
// returns its output, a view that G's next forward pass overwrites.
func (g *GAN) Generate(z *nn.Tensor) *nn.Tensor { return g.G.Forward(z, false) }
