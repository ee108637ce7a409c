//go:build cuda

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// hostWaits returns a function that reads the emulated driver's count of calls that made the
// host wait for the device (synchronisations, copies without Async, Async copies from or to
// pageable memory), skipping the test on a real driver, which keeps no such count.
func hostWaits(t *testing.T) func() uint64 {
	waits, ok := emulatorHostWaits()
	switch {
	case !ok && emulated(t):
		t.Fatal("the emulated driver's count of host waits cannot be found")
	case !ok:
		t.Skip("the driver is not the emulator, which counts the calls that make the host wait")
	}
	return waits
}

// blockingOnly is a CUDA backend seen without its asynchronous transfers, which makes a GAN
// take the path of a backend without them: pageable copies and a blocking download per step.
type blockingOnly struct {
	nn.Backend
	nn.Capturer
}

// asyncCase is a small conditional model, so that labels are staged too, with two
// discriminator steps per generator step.
func asyncCase() (stepCase, models.Config) {
	c := stepCase{arch: "dcgan28", nc: 1, batch: 8}
	mc := c.model()
	mc.Classes = 4
	return c, mc
}

// asyncSteps returns the batches and latents of the steps of the tests below.
func asyncSteps(c stepCase, mc models.Config, step *int) (func() (train.Batch, error), func([]float32)) {
	k, z := 0, 0
	next := func() (train.Batch, error) {
		k++
		seed := uint64(100**step + k)
		return train.Batch{Images: realBatch(int(seed), c.batch, c.nc, 28), N: c.batch,
			Labels: bytesOf(classesOf(c.batch, mc.Classes, seed))}, nil
	}
	lat := func(dst []float32) { z++; copy(dst, latents(100**step+z, len(dst)/mc.NZ, mc.NZ)) }
	return next, lat
}

// TestQueuedStepsDoNotWait counts the calls that make the host wait per training step, on
// the emulated GPU, once the graphs are recorded: StepQueued, the step that reads its
// statistics one step later, must make none, and go to the backend's thread and wait for it
// once (to read the statistics of the step before); Step, which returns its own
// statistics, waits once. The counts of the blocking path, the one a backend without
// asynchronous transfers takes, are logged for comparison. The emulator runs work as it is
// queued, so its events have passed by the time they are asked about and a fence's wait
// shows only as the wait for the backend's thread; on a GPU Step's fence waits for
// its own step, StepQueued's for the step before, with its own step queued behind it.
func TestQueuedStepsDoNotWait(t *testing.T) {
	b := gpu(t)
	waits := hostWaits(t)
	before := waits()
	host(b, b.New(3))
	if waits() == before {
		t.Fatal("a blocking Download did not count as a host wait: the count cannot show one planted in a step")
	}
	c, mc := asyncCase()
	const steps = 4
	measure := func(be nn.Backend, queued, augment bool) (driver, worker float64) {
		gan := buildGAN(t, be, mc, c.batch, 5)
		gan.Hyper.DSteps = 2
		defer gan.Close()
		if augment {
			gan.SetAugment(nn.AugmentPolicy{Color: true, Translation: true, Cutout: true}, rand.New(rand.NewPCG(1, 2)))
		}
		if !gan.UseGraphs() {
			t.Fatal("the CUDA backend cannot record graphs")
		}
		step := 0
		run := func() {
			next, lat := asyncSteps(c, mc, &step)
			var err error
			if queued {
				_, _, err = gan.StepQueued(next, lat)
			} else {
				_, err = gan.Step(next, lat)
			}
			if err != nil {
				t.Fatal(err)
			}
			step++
		}
		run() // op by op, then recorded
		run()
		w0, c0 := waits(), b.w.waits
		for i := 0; i < steps; i++ {
			run()
		}
		return float64(waits()-w0) / steps, float64(b.w.waits-c0) / steps
	}
	bd, bw := measure(blockingOnly{b, b}, false, false)
	sd, sw := measure(b, false, false)
	qd, qw := measure(b, true, false)
	ad, aw := measure(b, true, true)
	t.Logf("per step (d-steps 2, conditional): blocking copies: %g driver waits, %g waits for the backend's thread; "+
		"staged, Step: %g and %g; staged, StepQueued: %g and %g; augmented, StepQueued: %g and %g", bd, bw, sd, sw, qd, qw, ad, aw)
	if ad != 0 || aw != 1 {
		t.Errorf("StepQueued with augmentation: %g driver waits and %g waits for the backend's thread per step, want 0 and 1", ad, aw)
	}
	if qd != 0 || qw != 1 {
		t.Errorf("StepQueued: %g driver waits and %g waits for the backend's thread per step, want 0 and 1", qd, qw)
	}
	if sd != 0 || sw != 1 {
		t.Errorf("Step: %g driver waits and %g waits for the backend's thread per step, want 0 and 1", sd, sw)
	}
}

// TestQueuedStepsGiveTheSameBits trains the same GAN three ways: on the blocking path,
// with Step on staged copies, and with StepQueued, whose statistics come one step
// late. Statistics, parameters and Adam's state must be the same bits.
func TestQueuedStepsGiveTheSameBits(t *testing.T) {
	b := gpu(t)
	c, mc := asyncCase()
	const steps = 5
	train3 := func(be nn.Backend, queued bool) ([]train.Stats, *train.GAN) {
		gan := buildGAN(t, be, mc, c.batch, 5)
		gan.Hyper.DSteps = 2
		if !gan.UseGraphs() {
			t.Fatal("the CUDA backend cannot record graphs")
		}
		var all []train.Stats
		for step := 0; step < steps; step++ {
			next, lat := asyncSteps(c, mc, &step)
			if !queued {
				s, err := gan.Step(next, lat)
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, s)
				continue
			}
			s, ok, err := gan.StepQueued(next, lat)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (step > 0) {
				t.Fatalf("StepQueued at step %d: ok %v", step, ok)
			}
			if ok {
				all = append(all, s)
			}
		}
		if queued {
			s, ok, err := gan.Flush()
			if err != nil || !ok {
				t.Fatalf("Flush: %v, ok %v", err, ok)
			}
			all = append(all, s)
		}
		return all, gan
	}
	ref, refGAN := train3(blockingOnly{b, b}, false)
	defer refGAN.Close()
	for _, queued := range []bool{false, true} {
		got, gan := train3(b, queued)
		defer gan.Close()
		for i := range ref {
			if got[i] != ref[i] {
				t.Fatalf("queued %v, step %d: stats %+v, want %+v", queued, i+1, got[i], ref[i])
			}
		}
		for _, pr := range []struct {
			name string
			r, g *nn.Tensor
		}{{"G.params", refGAN.G.Params, gan.G.Params}, {"D.params", refGAN.D.Params, gan.D.Params}, {"D.adam_v", refGAN.OptD.V, gan.OptD.V}} {
			r, g := host(b, pr.r), host(b, pr.g)
			for i := range r {
				if math.Float32bits(r[i]) != math.Float32bits(g[i]) {
					t.Fatalf("queued %v: %s[%d] = %g, want %g", queued, pr.name, i, g[i], r[i])
				}
			}
		}
	}
}
