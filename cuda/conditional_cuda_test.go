//go:build cuda

package cuda

import (
	"math/rand/v2"
	"testing"

	"gogan/internal/nntest"
	"gogan/models"
	"gogan/train"
)

// TestConditionalStepsParity trains a class-conditional GAN (one-hot classes into G, the
// projection in D) with a moving average of G for a few steps on both backends, the CUDA one
// replaying recorded graphs after its first step, and compares the losses, the weights, the
// average and its recomputed BatchNorm statistics. Tolerances as TestStepParity's, looser
// for the weights after several Adam steps, which compound the rounding of each.
func TestConditionalStepsParity(t *testing.T) {
	for _, c := range stepCases {
		t.Run(c.name(), func(t *testing.T) {
			mc := c.model()
			mc.Classes = 4
			steps := emulatedSteps(t, 4, 2)
			res := make([]map[string][]float32, 2)
			for i, b := range backends(t) {
				gan := buildGAN(t, b, mc, c.batch, 6)
				if b.Name() == "cuda" && !gan.UseGraphs() {
					t.Fatal("the CUDA backend cannot record graphs")
				}
				spec, err := models.Generator(mc)
				if err != nil {
					t.Fatal(err)
				}
				avg, err := models.Build(b, spec, c.batch, rand.New(rand.NewPCG(0, 0)))
				if err != nil {
					t.Fatal(err)
				}
				statZ := train.Conditioned(latents(99, c.batch, mc.NZ), classesOf(c.batch, mc.Classes, 99), mc.Classes)
				if gan.EMA, err = train.NewEMA(avg, gan.G, 0.999, statZ, c.batch); err != nil {
					t.Fatal(err)
				}
				r := map[string][]float32{}
				for step := 1; step <= steps; step++ {
					next := func() (train.Batch, error) {
						return train.Batch{Images: realBatch(step, c.batch, c.nc, models.Archs[c.arch]), N: c.batch,
							Labels: bytesOf(classesOf(c.batch, mc.Classes, uint64(step)))}, nil
					}
					lat := func(dst []float32) { copy(dst, latents(step, c.batch, mc.NZ)) }
					s, err := gan.Step(next, lat)
					if err != nil {
						t.Fatalf("%s step %d: %v", b.Name(), step, err)
					}
					r["losses"] = append(r["losses"], float32(s.LossD), float32(s.LossG), float32(s.DReal), float32(s.DFake))
				}
				r["G.params"], r["D.params"] = host(b, gan.G.Params), host(b, gan.D.Params)
				r["EMA.params"] = host(b, gan.EMA.G.Params)
				r["EMA.buffers"] = host(b, gan.Sampler().Buffers)
				if err := b.Sync(); err != nil {
					t.Fatalf("%s: %v", b.Name(), err)
				}
				gan.Close()
				res[i] = r
			}
			for name, tol := range map[string]float64{"losses": 1e-6, "G.params": 1e-5, "D.params": 1e-5,
				"EMA.params": 1e-5, "EMA.buffers": 1e-5} {
				nntest.CheckNMSE(t, name, res[1][name], res[0][name], tol)
			}
		})
	}
}

// classesOf draws n classes among k, the same for a seed on every backend.
func classesOf(n, k int, seed uint64) []int {
	rng := rand.New(rand.NewPCG(seed, 17))
	out := make([]int, n)
	for i := range out {
		out[i] = rng.IntN(k)
	}
	return out
}

func bytesOf(v []int) []uint8 {
	out := make([]uint8, len(v))
	for i, x := range v {
		out[i] = uint8(x)
	}
	return out
}
