//go:build cuda

package cuda

import (
	"math"
	"math/rand/v2"
	"testing"

	"gogan/nn"
	"gogan/train"
)

// TestTrainerReplaysTheSameSteps trains two identical GANs through train.GAN.Step, the
// trainer's own step, one op by op and one replaying the graphs it records after its first
// step, with a short batch (an epoch's last) in the middle, which runs op by op, and two
// discriminator steps per generator step; without augmentation and with DiffAugment's three
// policies, whose parameters each step uploads before its replay. Statistics, parameters,
// Adam's state and the host-side counters must be the same bits.
func TestTrainerReplaysTheSameSteps(t *testing.T) {
	for _, p := range []nn.AugmentPolicy{{}, {Color: true, Translation: true, Cutout: true}} {
		t.Run("augment="+p.String(), func(t *testing.T) { checkTrainerReplays(t, p) })
	}
}

func checkTrainerReplays(t *testing.T, p nn.AugmentPolicy) {
	b := gpu(t)
	c := stepCase{arch: "dcgan28", nc: 1, batch: 16}
	eager, replayed := buildGAN(t, b, c.model(), c.batch, 4), buildGAN(t, b, c.model(), c.batch, 4)
	eager.Hyper.DSteps, replayed.Hyper.DSteps = 2, 2
	eager.SetAugment(p, rand.New(rand.NewPCG(4, 5)))
	replayed.SetAugment(p, rand.New(rand.NewPCG(4, 5)))
	if !replayed.UseGraphs() {
		t.Fatal("the CUDA backend cannot record graphs")
	}
	defer replayed.Close()
	size := 28
	batches := []int{16, 16, 16, 7, 16, 16}
	for step, n := range batches {
		k := 0
		next := func() ([]float32, int, error) {
			k++
			return realBatch(100*step+k, n, c.nc, size), n, nil
		}
		var se, sr train.Stats
		var err error
		zStep := 0
		lat := func(dst []float32) { zStep++; copy(dst, latents(100*step+zStep, len(dst)/c.model().NZ, c.model().NZ)) }
		if se, err = eager.StepUnlabelled(next, lat); err != nil {
			t.Fatal(err)
		}
		k, zStep = 0, 0
		if sr, err = replayed.StepUnlabelled(next, lat); err != nil {
			t.Fatal(err)
		}
		if se != sr {
			t.Fatalf("step %d (batch %d): stats %+v op by op, %+v replayed", step+1, n, se, sr)
		}
		if step == 0 && !replayed.Replaying() {
			t.Fatal("no graphs were recorded after the first full step")
		}
	}
	for _, pr := range []struct {
		name string
		e, r []float32
	}{
		{"G.params", host(b, eager.G.Params), host(b, replayed.G.Params)},
		{"D.params", host(b, eager.D.Params), host(b, replayed.D.Params)},
		{"G.buffers", host(b, eager.G.Buffers), host(b, replayed.G.Buffers)},
		{"D.adam_v", host(b, eager.OptD.V), host(b, replayed.OptD.V)},
	} {
		for i := range pr.e {
			if math.Float32bits(pr.e[i]) != math.Float32bits(pr.r[i]) {
				t.Fatalf("%s[%d]: %g op by op, %g replayed", pr.name, i, pr.e[i], pr.r[i])
			}
		}
	}
	if eager.OptG.Steps() != replayed.OptG.Steps() || eager.OptD.Steps() != replayed.OptD.Steps() ||
		eager.G.BatchesTracked() != replayed.G.BatchesTracked() || eager.D.BatchesTracked() != replayed.D.BatchesTracked() {
		t.Fatalf("counters differ: Adam steps G %d/%d D %d/%d, batches tracked G %d/%d D %d/%d (op by op/replayed)",
			eager.OptG.Steps(), replayed.OptG.Steps(), eager.OptD.Steps(), replayed.OptD.Steps(),
			eager.G.BatchesTracked(), replayed.G.BatchesTracked(), eager.D.BatchesTracked(), replayed.D.BatchesTracked())
	}
}
