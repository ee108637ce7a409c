package run

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"gogan/data"
	"gogan/train"
)

// The loop queues its steps with GAN.StepQueued, which on a device backend returns the
// statistics of the step before the one it queued, so that the device always has a step to
// run while the host stages the next and a step never waits for its own numbers. A step is
// therefore logged (metrics.jsonl, TensorBoard, the console) once the next one is queued.
// Where the loop needs a step's own state (a sample grid, a checkpoint, an evaluation, an
// epoch's figures, a stop, the last step) it reads the step's statistics with GAN.Flush
// before queueing another, so that every output is what a step-by-step loop writes, in the
// same order. On the CPU, StepQueued returns a step's own statistics and nothing waits.

// queuedStep is what the loop knew of a step when it queued it.
type queuedStep struct {
	step  int // its number, from 1
	epoch int // the epoch it began in
}

// queue holds the steps queued whose statistics are still to be read, oldest first: on a
// device backend at most the step queued last, between its queueing and the next's.
type queue struct {
	waiting []queuedStep
	con     *console
	began   time.Time
}

// failedStep is the number of the step an error of StepQueued, called to queue step, belongs
// to: the step before's when it was found in that step's statistics.
func (q *queue) failedStep(step queuedStep, err error) int {
	var earlier *train.EarlierStepError
	if errors.As(err, &earlier) && len(q.waiting) > 0 {
		return q.waiting[0].step
	}
	return step.step
}

// recordOldest logs the oldest waiting step with its statistics s.
func (r *run) recordOldest(q *queue, s train.Stats) error {
	if len(q.waiting) == 0 {
		return errors.New("statistics of a step that was not queued")
	}
	step := q.waiting[0]
	q.waiting = q.waiting[1:]
	rec := Record{Step: step.step, Epoch: step.epoch, Seconds: time.Since(q.began).Seconds(), Stats: s,
		LRG: r.gan.OptG.Adam.LR, LRD: r.gan.OptD.Adam.LR, Augment: augmentName(r.cfg.Augment), Mirror: r.cfg.Mirror}
	// A step due for evaluation is never left waiting (see flush), so G is still at it.
	if r.evalDue(step.step) {
		if err := r.evaluate(&rec); err != nil {
			return err
		}
	}
	r.history = append(r.history, rec)
	if err := r.metrics.append(rec); err != nil {
		return err
	}
	r.tb.step(rec)
	q.con.step(rec)
	return nil
}

// flush waits for the step queued last and logs it, when its statistics are still to come.
func (r *run) flush(q *queue) error {
	if len(q.waiting) == 0 {
		return nil
	}
	s, ok, err := r.gan.Flush()
	if err != nil {
		return r.failed(q.waiting[0].step, err)
	}
	if !ok {
		return fmt.Errorf("step %d: its statistics were not queued", q.waiting[0].step)
	}
	return r.recordOldest(q, s)
}

// evalDue says whether --eval-every scores G after step.
func (r *run) evalDue(step int) bool {
	return r.eval != nil && (step%r.cfg.EvalEvery == 0 || step == r.total)
}

// inputs returns the functions that give the steps their batches, in the loader's order, and
// their latents, from the run's latent stream.
func (r *run) inputs() (next func() (train.Batch, error), latents func(dst []float32)) {
	zrng, mirror := rand.New(r.prog.ZRNG), rand.New(r.prog.MirrorRNG)
	latents = func(dst []float32) { train.SampleLatents(dst, zrng) }
	var labels []uint8
	next = func() (train.Batch, error) {
		images, _, ok := r.loader.Next()
		if !ok {
			if err := r.loader.Err(); err != nil {
				return train.Batch{}, err
			}
			return train.Batch{}, errors.New("data loader closed")
		}
		if r.cfg.Mirror {
			sh := images.Shape()
			data.MirrorBatch(images.Data().([]float32), sh[0], sh[1], sh[2], sh[3], mirror)
		}
		if r.gan.Classes > 0 {
			labels = r.loader.Labels(labels)
		}
		return train.Batch{Images: images.Data().([]float32), N: images.Shape()[0], Labels: labels}, nil
	}
	return next, latents
}
