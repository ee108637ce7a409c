package train

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"gogan/cpu"
	"gogan/models"
	"gogan/nn"
)

var allAugment = nn.AugmentPolicy{Color: true, Translation: true, Cutout: true}

// tinyAugmented is a small RGB GAN with every augmentation on and its latents uploaded.
func tinyAugmented(t *testing.T, n int) (*GAN, *nn.Tensor) {
	cfg := models.Config{Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4, NC: 3}
	gan := newTestGAN(t, cpu.New(), cfg, DefaultHyper(), n, 11)
	gan.SetAugment(allAugment, rand.New(rand.NewPCG(11, 12)))
	z := gan.z.Batch(n)
	host := make([]float32, z.Len())
	SampleLatents(host, rand.New(rand.NewPCG(11, 13)))
	gan.B.Upload(z, host)
	return gan, z
}

// TestGeneratorGradientThroughAugment compares G's gradient with augmentation on against
// central finite differences of G's loss, on the weights with the largest gradients: D's
// input gradient must come back through the transpose of the augmentation (translation
// moves pixels, cutout zeroes some, colour mixes them), not reach G as it is.
func TestGeneratorGradientThroughAugment(t *testing.T) {
	const n = 4
	gan, z := tinyAugmented(t, n)
	gan.DrawGeneratorAugment(n)
	loss := func() float64 {
		gan.GeneratorGrads(gan.G.Forward(z, true))
		return float64(gan.StatsOf()[6])
	}
	loss()
	grads := slices.Clone(gan.G.Grads.Host)
	order := make([]int, len(grads))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return math.Abs(float64(grads[order[a]])) > math.Abs(float64(grads[order[b]])) })
	params := gan.G.Params.Host
	// Small enough that the loss is close to linear over ±eps (1e-2 is not), large enough
	// that float32 rounding of a loss near 1 stays near 1e-4 of the differences.
	const eps = 1e-3
	for _, i := range order[:8] {
		w := params[i]
		params[i] = w + eps
		up := loss()
		params[i] = w - eps
		down := loss()
		params[i] = w
		fd := (up - down) / (2 * eps)
		if got := float64(grads[i]); math.Abs(got-fd) > 0.05*math.Abs(fd)+1e-4 {
			t.Errorf("G weight %d: gradient %.6g, finite difference %.6g", i, got, fd)
		}
	}
}

// TestDiscriminatorSeesAugmentedBatches checks D's update against D run by hand on the real
// and the fake batch augmented with the parameters the same stream draws, and G's update
// against D on the fakes augmented with the next parameters: each batch is augmented, with
// parameters of its own.
func TestDiscriminatorSeesAugmentedBatches(t *testing.T) {
	const n = 4
	gan, z := tinyAugmented(t, n)
	ref, _ := tinyAugmented(t, n)
	ref.SetAugment(nn.AugmentPolicy{}, nil)
	b := gan.B
	real := b.New(append(nn.Shape{n}, gan.D.InShape()...)...)
	host := make([]float32, real.Len())
	for i := range host {
		host[i] = float32(math.Sin(float64(i)))
	}
	b.Upload(real, host)

	gan.DrawDiscriminatorAugment(n)
	fake := gan.DiscriminatorGrads(real, z)
	gan.DrawGeneratorAugment(n)
	gan.GeneratorGrads(fake)
	got := gan.StatsOf()

	rng := rand.New(rand.NewPCG(11, 12)) // the stream tinyAugmented gave gan
	params := b.New(n, nn.AugmentValues)
	augmented := func(x *nn.Tensor) *nn.Tensor {
		p := make([]float32, params.Len())
		nn.DrawAugment(p, n, x.Shape[2], x.Shape[3], allAugment, rng)
		b.Upload(params, p)
		out := b.New(x.Shape...)
		b.AugmentForward(out, x, params)
		return out
	}
	meanLogit := func(x *nn.Tensor) float64 {
		var sum float64
		for _, v := range ref.D.Forward(x, true).Host {
			sum += float64(v)
		}
		return sum / n
	}
	refFake := ref.G.Forward(z, true)
	want := [3]float64{meanLogit(augmented(real)), meanLogit(augmented(refFake)), meanLogit(augmented(refFake))}
	if math.Abs(want[0]-want[1]) < 1e-3 || math.Abs(want[1]-want[2]) < 1e-3 {
		t.Fatalf("mean logits %v: too close to tell the batches apart", want)
	}
	// D's update changed D before G's step; the reference D has not been updated, and
	// GeneratorGrads does not update it: only D's running statistics moved, which training
	// mode does not read.
	for k, at := range []int{2, 5, 8} {
		if math.Abs(float64(got[at])-want[k]) > 1e-5 {
			t.Errorf("mean logit %d: step %g, by hand %g", k, got[at], want[k])
		}
	}
}

// TestAugmentedStepAllocatesNothing: drawing, uploading and applying the augmentation uses
// the buffers SetAugment allocated, so an augmented step allocates nothing either.
func TestAugmentedStepAllocatesNothing(t *testing.T) {
	cfg := models.Config{Arch: "dcgan28", NZ: 16, NGF: 8, NDF: 8, NC: 1}
	const batch = 8
	h := DefaultHyper()
	h.DSteps = 2
	gan := newTestGAN(t, cpu.New(), cfg, h, batch, 3)
	gan.SetAugment(allAugment, rand.New(rand.NewPCG(3, 4)))
	checkStepAllocatesNothing(t, "augmented", gan, cfg, batch)
}
