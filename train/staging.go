package train

import (
	"fmt"

	"gogan/nn"
)

// On a backend with asynchronous transfers (nn.AsyncTransfers: the CUDA backend) a step
// queues its work and never waits for the device while it does. Its inputs are staged in
// page-locked host memory and copied by the device when it reaches them; its statistics are
// copied into page-locked memory behind the step's work and read after a fence has passed,
// one step later in StepQueued, so that the device always has the next step queued.
//
// The latents are drawn on the host, as on the CPU backend, and staged; they are not drawn on
// the device by a counter-based generator. Staging keeps every random stream as it is: a
// seed gives the same latents on both backends, a CPU resume stays bit-exact and checkpoints
// written before resume with the stream they recorded. The cost is a copy of batch·(nz+classes)
// floats per step, which runs while the previous step computes.
//
// Each discriminator step's real batch, latents and labels have a slot of their own in a ring
// of two steps' worth, so the host fills one slot while the device may still read the other;
// before refilling a slot the host passes the fence recorded after its copies, which the
// device passed a step ago. The copies are queued before the recorded graphs rather than
// recorded in them: a recorded copy keeps its host address, so each ring slot would need
// graphs of its own.

// staging is a GAN's page-locked memory and fences.
type staging struct {
	tr     nn.AsyncTransfers
	dSteps int         // the discriminator steps per step it was made for
	inputs []inputSlot // a ring of 2·dSteps
	next   int         // the ring slot the next discriminator step fills
	stats  [2]statSlot // alternately the step being queued and the one before
	cur    int
	// Fences are numbered as they are recorded; passed is the highest number waited for. A
	// fence recorded before one that has passed has passed too (the queue runs in order), so
	// refilling an input slot waits for nothing once the statistics behind it were read.
	recorded, passed int
}

// inputSlot holds one discriminator step's inputs on their way to the device.
type inputSlot struct {
	real, z, labels []float32
	aug             []float32 // the augmentation's parameters, made when a step first augments
	fence           nn.Fence  // passed when the copies from this slot have run
	seq             int       // the fence's number, 0 before it is first recorded
}

// statSlot receives one step's statistics: 6 for each discriminator step but the last, then
// the 9 of the last discriminator step and the generator step.
type statSlot struct {
	host    []float32
	fence   nn.Fence // passed when host holds the statistics
	seq     int      // the fence's number
	pending bool     // queued and not yet read
}

// stagingFor returns the GAN's staging for its current number of discriminator steps, made
// on first use, or nil when the backend has no asynchronous transfers. Page-locked memory
// is returned only when the backend closes: a change of DSteps keeps the old ring until then.
func (g *GAN) stagingFor() (*staging, error) {
	tr, ok := g.B.(nn.AsyncTransfers)
	if !ok {
		return nil, nil
	}
	if g.staged != nil && g.staged.dSteps == g.Hyper.DSteps {
		return g.staged, nil
	}
	if g.staged != nil {
		if err := g.staged.close(); err != nil {
			return nil, err
		}
	}
	s := &staging{tr: tr, dSteps: g.Hyper.DSteps, inputs: make([]inputSlot, 2*g.Hyper.DSteps)}
	g.staged = s
	for i := range s.inputs {
		in := &s.inputs[i]
		var err error
		if in.real, err = tr.PinnedHost(g.real.Len()); err != nil {
			return nil, err
		}
		if in.z, err = tr.PinnedHost(g.z.Len()); err != nil {
			return nil, err
		}
		if g.labels != nil {
			if in.labels, err = tr.PinnedHost(g.labels.Len()); err != nil {
				return nil, err
			}
		}
		if in.fence, err = tr.NewFence(); err != nil {
			return nil, err
		}
	}
	for i := range s.stats {
		var err error
		if s.stats[i].host, err = tr.PinnedHost(6*g.Hyper.DSteps + 3); err != nil {
			return nil, err
		}
		if s.stats[i].fence, err = tr.NewFence(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// close releases the fences.
func (s *staging) close() error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
	}
	for _, in := range s.inputs {
		if in.fence != nil {
			keep(in.fence.Close())
		}
	}
	for _, st := range s.stats {
		if st.fence != nil {
			keep(st.fence.Close())
		}
	}
	return first
}

// record records f at the end of the queued work and returns its number.
func (s *staging) record(f nn.Fence) int {
	f.Record()
	s.recorded++
	return s.recorded
}

// wait waits for fence f, numbered seq, unless a fence recorded after it has passed.
func (s *staging) wait(f nn.Fence, seq int) error {
	if seq <= s.passed {
		return nil
	}
	if err := f.Wait(); err != nil {
		return err
	}
	s.passed = seq
	return nil
}

// queueStep queues one generator step with its discriminator steps, staging each input in
// its ring slot, and queues the copy of its statistics into the current stat slot.
func (g *GAN) queueStep(s *staging, next func() (Batch, error), latents func(dst []float32)) error {
	slot := &s.stats[s.cur]
	var fake *nn.Tensor
	var last *inputSlot
	for k := 0; k < s.dSteps; k++ {
		batch, err := next()
		if err != nil {
			return err
		}
		in := &s.inputs[s.next]
		s.next = (s.next + 1) % len(s.inputs)
		if err := s.wait(in.fence, in.seq); err != nil {
			return err
		}
		real, z, err := g.stageInputs(in, batch, latents)
		if err != nil {
			return err
		}
		if err := g.stageAugment(in, batch.N, augReal, augFakeD); err != nil {
			return err
		}
		in.seq = s.record(in.fence)
		fake = g.discriminatorStep(real, z)
		if k < s.dSteps-1 {
			s.tr.DownloadAsync(slot.host[6*k:6*k+6], g.statD)
		}
		last = in
	}
	// G's parameters travel in the last discriminator step's slot, whose fence moves past them.
	if err := g.stageAugment(last, fake.Shape[0], augFakeG, augFakeG); err != nil {
		return err
	}
	last.seq = s.record(last.fence)
	g.generatorStep(fake)
	if g.EMA != nil {
		g.EMA.Update(g.OptG.Steps())
	}
	tail := 6 * (s.dSteps - 1)
	s.tr.DownloadAsync(slot.host[tail:tail+9], g.stats)
	slot.seq = s.record(slot.fence)
	slot.pending = true
	s.cur ^= 1
	return g.recordGraphs(fake)
}

// stageAugment draws the augmentation's parameters of slots first to last into in's
// page-locked copy, made on the first augmented step, and queues their copies to the device.
func (g *GAN) stageAugment(in *inputSlot, n, first, last int) error {
	if g.aug == nil {
		return nil
	}
	if in.aug == nil {
		var err error
		if in.aug, err = g.staged.tr.PinnedHost(len(g.aug.host)); err != nil {
			return err
		}
	}
	g.drawAugment(n, in.aug, g.staged.tr, first, last)
	return nil
}

// stageInputs writes a batch and its latents into slot in and queues their copies to the
// GAN's buffers, returning the real and latent views of the batch.
func (g *GAN) stageInputs(in *inputSlot, batch Batch, latents func(dst []float32)) (real, z *nn.Tensor, err error) {
	n := batch.N
	if n < 1 || n > g.Capacity() {
		return nil, nil, fmt.Errorf("batch of %d samples, want 1 to %d", n, g.Capacity())
	}
	z, real, _ = g.batch(n)
	if len(batch.Images) != real.Len() {
		return nil, nil, fmt.Errorf("batch of %d values, want %d for %v", len(batch.Images), real.Len(), real.Shape)
	}
	hostReal, hostZ := in.real[:real.Len()], in.z[:z.Len()]
	copy(hostReal, batch.Images)
	if g.Classes == 0 {
		latents(hostZ)
	} else if err := g.joinLatents(hostZ, in.labels[:n], n, batch.Labels, latents); err != nil {
		return nil, nil, err
	}
	s := g.staged.tr
	s.UploadAsync(real, hostReal)
	s.UploadAsync(z, hostZ)
	if g.Classes > 0 {
		s.UploadAsync(g.labelsN, in.labels[:n])
	}
	return real, z, nil
}

// readStats waits for a queued step's statistics and returns them.
func (g *GAN) readStats(s *staging, slot *statSlot) (Stats, error) {
	slot.pending = false
	if err := s.wait(slot.fence, slot.seq); err != nil {
		return Stats{}, err
	}
	var st Stats
	for k := 0; k < s.dSteps; k++ {
		st.addDiscriminator(slot.host[6*k : 6*k+6])
	}
	last := slot.host[6*(s.dSteps-1):]
	return g.finishStats(st, last[6], last[7])
}

// StepQueued queues one generator step as Step does, and returns the statistics of
// the step before it (ok false after the first), so that on a backend with asynchronous
// transfers it does not wait for the step it queued: the device always has it to run while
// the host prepares the next. Flush returns the last step's statistics. An error found in the
// statistics of the step before is an *EarlierStepError. On other backends it returns the
// step's own statistics.
func (g *GAN) StepQueued(next func() (Batch, error), latents func(dst []float32)) (prev Stats, ok bool, err error) {
	s, err := g.stagingFor()
	if err != nil {
		return Stats{}, false, err
	}
	if s == nil {
		st, err := g.Step(next, latents)
		return st, err == nil, err
	}
	if err := g.queueStep(s, next, latents); err != nil {
		return Stats{}, false, err
	}
	before := &s.stats[s.cur]
	if !before.pending {
		return Stats{}, false, nil
	}
	st, err := g.readStats(s, before)
	if err != nil {
		return Stats{}, false, &EarlierStepError{Err: err}
	}
	return st, true, nil
}

// EarlierStepError is an error of the step before the one StepQueued queued, found when its
// statistics were read (a loss that is not finite, or queued work that failed): a caller
// that numbers its steps reports it as that step's. Its message is the error's own.
type EarlierStepError struct{ Err error }

func (e *EarlierStepError) Error() string { return e.Err.Error() }
func (e *EarlierStepError) Unwrap() error { return e.Err }

// Flush waits for the last step that StepQueued queued and returns its statistics; ok is
// false when there is none waiting to be read.
func (g *GAN) Flush() (Stats, bool, error) {
	s := g.staged
	if s == nil || !s.stats[s.cur^1].pending {
		return Stats{}, false, nil
	}
	st, err := g.readStats(s, &s.stats[s.cur^1])
	return st, err == nil, err
}

// StepResident runs one generator step with its discriminator steps on the batch of n that
// is already in the GAN's buffers, with no transfer and no wait: the work that
// scripts/bench_torch.py times, which keeps its batch and latents on the device.
func (g *GAN) StepResident(n int) error {
	z, real, _ := g.batch(n)
	var fake *nn.Tensor
	for k := 0; k < g.Hyper.DSteps; k++ {
		fake = g.discriminatorStep(real, z)
	}
	g.generatorStep(fake)
	if g.EMA != nil {
		g.EMA.Update(g.OptG.Steps())
	}
	return g.recordGraphs(fake)
}
