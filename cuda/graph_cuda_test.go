//go:build cuda

package cuda

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gogan/internal/nntest"
	"gogan/nn"
)

// TestCapturedStepMatchesEager trains two identical GANs, one step by step and one by
// replaying a captured step, and expects the same bits: the graph runs the same kernels with
// the same arguments, and Adam's counter advances on the device.
func TestCapturedStepMatchesEager(t *testing.T) {
	b := gpu(t)
	c := stepCase{arch: "dcgan28", nc: 1, batch: 16}
	eager, captured := buildGAN(t, b, c.model(), c.batch, 4), buildGAN(t, b, c.model(), c.batch, 4)
	zE, zC := b.New(c.batch, c.model().NZ, 1, 1), b.New(c.batch, c.model().NZ, 1, 1)
	defer b.Free(zE)
	defer b.Free(zC)
	// The first step runs normally on both, so that every buffer exists before the capture.
	realE, realC := upload(t, eager, c, 1, zE), upload(t, captured, c, 1, zC)
	eager.GeneratorStep(eager.DiscriminatorStep(realE, zE))
	captured.GeneratorStep(captured.DiscriminatorStep(realC, zC))

	stepsG, stepsD := captured.OptG.Steps(), captured.OptD.Steps()
	g, err := b.Capture(func() { captured.GeneratorStep(captured.DiscriminatorStep(realC, zC)) })
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	// The optimisers counted the recorded step, which has not run.
	captured.OptG.SetSteps(stepsG)
	captured.OptD.SetSteps(stepsD)
	for step := 2; step <= 6; step++ {
		upload(t, eager, c, step, zE)
		eager.GeneratorStep(eager.DiscriminatorStep(realE, zE))
		upload(t, captured, c, step, zC)
		g.Launch()
		captured.OptG.SetSteps(captured.OptG.Steps() + 1)
		captured.OptD.SetSteps(captured.OptD.Steps() + 1)
		se, sc := eager.StatsOf(), captured.StatsOf()
		if se != sc {
			t.Fatalf("step %d: stats %v eager, %v replayed", step, se, sc)
		}
	}
	for _, pr := range []struct {
		name string
		e, c *nn.Tensor
	}{{"G.params", eager.G.Params, captured.G.Params}, {"D.params", eager.D.Params, captured.D.Params},
		{"G.adam_v", eager.OptG.V, captured.OptG.V}} {
		he, hc := host(b, pr.e), host(b, pr.c)
		for i := range he {
			if math.Float32bits(he[i]) != math.Float32bits(hc[i]) {
				t.Fatalf("%s[%d]: %g eager, %g replayed", pr.name, i, he[i], hc[i])
			}
		}
	}
	// Eager steps may follow replays: the host's Adam counters followed the device's.
	upload(t, captured, c, 7, zC)
	captured.GeneratorStep(captured.DiscriminatorStep(realC, zC))
	upload(t, eager, c, 7, zE)
	eager.GeneratorStep(eager.DiscriminatorStep(realE, zE))
	nntest.CheckNMSE(t, "G.params after an eager step following replays", host(b, captured.G.Params), host(b, eager.G.Params), 0)
}

// TestCaptureRefusesHostWork checks that a step that waits for the GPU or allocates fails
// to capture with a message that says why, and leaves the backend usable.
func TestCaptureRefusesHostWork(t *testing.T) {
	b := gpu(t)
	x := b.New(16)
	defer b.Free(x)
	host := make([]float32, 16)
	for _, tc := range []struct {
		name, want string
		step       func()
	}{
		{"download", "cannot wait for the GPU", func() { b.Download(host, x) }},
		{"upload", "cannot wait for the GPU", func() { b.Upload(x, host) }},
		{"new", "cannot allocate", func() { b.New(8) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Capture(func() {
				b.Fill(x, 1)
				tc.step()
			})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Capture = %v, want an error containing %q", err, tc.want)
			}
			if err := b.Sync(); err != nil {
				t.Fatalf("the backend failed after a refused capture: %v", err)
			}
			b.Fill(x, 3)
			b.Download(host, x)
			if host[0] != 3 {
				t.Fatalf("after a refused capture Fill(3) gave %g", host[0])
			}
		})
	}
	t.Run("panic", func(t *testing.T) {
		var c Capturer = b
		func() {
			defer func() {
				if r := recover(); r == nil {
					t.Error("a panic in the captured step did not reach the caller")
				}
			}()
			c.Capture(func() {
				b.Fill(x, 1)
				panic(errors.New("boom"))
			})
		}()
		b.Fill(x, 4)
		b.Download(host, x)
		if err := b.Sync(); err != nil || host[0] != 4 {
			t.Fatalf("after a panic in a capture: Fill(4) gave %g, Sync %v", host[0], err)
		}
	})
}
