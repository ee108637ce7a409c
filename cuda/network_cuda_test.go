//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/models"
	"gogan/nn"
	"gogan/run"
	"gogan/train"
)

// Whole training steps of the DCGAN models, on the GPU against the CPU.

type stepCase struct {
	arch      string
	nc, batch int
	// width is ngf = ndf; 0 means the narrow test width 16, with nz 32.
	width int
}

var stepCases = []stepCase{{arch: "dcgan28", nc: 1, batch: 16}, {arch: "dcgan64", nc: 3, batch: 8}, {arch: "dcgan32", nc: 3, batch: 4}}

// familyCases are the larger sizes of the DCGAN family at width 4 and batch 2: their extra
// stride-2 stages at 128 and 256 pixels, in grey and colour, kept small for the emulated GPU.
var familyCases = []stepCase{{arch: "dcgan128", nc: 1, batch: 2, width: 4}, {arch: "dcgan256", nc: 3, batch: 2, width: 4}}

// productionCases are the models at the sizes users train: the defaults nz 100 and
// ngf = ndf = 64, dcgan28 at batch 64 and dcgan64 at batch 32.
var productionCases = []stepCase{{arch: "dcgan28", nc: 1, batch: 64, width: 64}, {arch: "dcgan64", nc: 3, batch: 32, width: 64}}

func (c stepCase) name() string {
	if c.width == 0 {
		return c.arch
	}
	return fmt.Sprintf("%s_width%d_batch%d", c.arch, c.width, c.batch)
}

func (c stepCase) model() models.Config {
	if c.width == 0 {
		return models.Config{Arch: c.arch, NZ: 32, NGF: 16, NDF: 16, NC: c.nc}
	}
	return models.Config{Arch: c.arch, NZ: 100, NGF: c.width, NDF: c.width, NC: c.nc}
}

// buildGAN makes a GAN as the trainer does, DCGAN-initialised from seed.
func buildGAN(t testing.TB, b nn.Backend, mc models.Config, batch int, seed uint64) *train.GAN {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	gs, err := models.Generator(mc)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := models.Discriminator(mc)
	if err != nil {
		t.Fatal(err)
	}
	g, err := models.Build(b, gs, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	d, err := models.Build(b, ds, batch, rng)
	if err != nil {
		t.Fatal(err)
	}
	models.InitDCGAN(g, rng)
	models.InitDCGAN(d, rng)
	gan, err := train.New(b, g, d, train.DefaultHyper(), batch)
	if err != nil {
		t.Fatal(err)
	}
	return gan
}

// realBatch is a deterministic batch of images in [−1, 1]: stripes of a random frequency and
// phase per image, with noise, so that D has something to learn.
func realBatch(step, n, c, size int) []float32 {
	rng := rand.New(rand.NewPCG(uint64(step), 11))
	out := make([]float32, n*c*size*size)
	for i := 0; i < n*c; i++ {
		f, ph := 0.2+0.5*rng.Float64(), 2*math.Pi*rng.Float64()
		img := out[i*size*size : (i+1)*size*size]
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				v := math.Sin(f*float64(x+y)+ph) + 0.1*rng.NormFloat64()
				img[y*size+x] = float32(max(-1, min(1, v)))
			}
		}
	}
	return out
}

func latents(step, n, nz int) []float32 {
	z := make([]float32, n*nz)
	train.SampleLatents(z, rand.New(rand.NewPCG(uint64(step), 13)))
	return z
}

// upload puts step's real batch and latents on gan's backend.
func upload(t testing.TB, gan *train.GAN, c stepCase, step int, z *nn.Tensor) *nn.Tensor {
	t.Helper()
	size := models.Archs[c.arch]
	real, err := gan.UploadReal(realBatch(step, c.batch, c.nc, size), c.batch)
	if err != nil {
		t.Fatal(err)
	}
	gan.B.Upload(z, latents(step, c.batch, c.model().NZ))
	return real
}

func host(b nn.Backend, t *nn.Tensor) []float32 {
	h := make([]float32, t.Len())
	b.Download(h, t)
	return h
}

// TestAugmentedStepParity is one training step (as TestStepParity, with fixed tolerances) with DiffAugment's three policies on D's inputs,
// the same parameters drawn on both backends from one seed: D's update on augmented real and
// fake batches, G's through the augmentation with parameters of its own.
func TestAugmentedStepParity(t *testing.T) {
	for _, c := range stepCases {
		t.Run(c.name(), func(t *testing.T) {
			checkStepParity(t, c, nn.AugmentPolicy{Color: true, Translation: true, Cutout: true})
		})
	}
}

// checkStepParity runs one step of case c on both backends, with augmentation p, and compares
// them: gradients to 1e-6 in NMSE, parameters after Adam's step to 1e-5 (a gradient within
// rounding of zero may move the other way), statistics to 1e-8.
func checkStepParity(t *testing.T, c stepCase, p nn.AugmentPolicy) {
	res := make([]map[string][]float32, 2)
	for i, b := range backends(t) {
		gan := buildGAN(t, b, c.model(), c.batch, 5)
		gan.SetAugment(p, rand.New(rand.NewPCG(5, 6)))
		z := b.New(c.batch, c.model().NZ, 1, 1)
		real := upload(t, gan, c, 1, z)
		r := map[string][]float32{}
		gan.DrawDiscriminatorAugment(c.batch)
		fake := gan.DiscriminatorGrads(real, z)
		r["D.grads"] = host(b, gan.D.Grads)
		gan.OptD.Step()
		r["D.params after its step"] = host(b, gan.D.Params)
		gan.DrawGeneratorAugment(c.batch)
		gan.GeneratorGrads(fake)
		r["G.grads"] = host(b, gan.G.Grads)
		gan.OptG.Step()
		r["G.params after its step"] = host(b, gan.G.Params)
		r["G.buffers"] = host(b, gan.G.Buffers)
		r["D.buffers"] = host(b, gan.D.Buffers)
		s := gan.StatsOf()
		r["losses and D outputs"] = s[:]
		if err := b.Sync(); err != nil {
			t.Fatalf("%s: %v", b.Name(), err)
		}
		res[i] = r
	}
	tols := map[string]float64{"D.grads": 1e-6, "G.grads": 1e-6, "D.params after its step": 1e-5,
		"G.params after its step": 1e-5, "G.buffers": 1e-8, "D.buffers": 1e-8, "losses and D outputs": 1e-8}
	for name, tol := range tols {
		nntest.CheckNMSE(t, name, res[1][name], res[0][name], tol)
	}
}

// trainSteps runs n full training steps and returns D's and G's losses at each.
func trainSteps(t testing.TB, gan *train.GAN, c stepCase, n int) [][2]float64 {
	t.Helper()
	size := models.Archs[c.arch]
	step := 0
	next := func() ([]float32, int, error) {
		step++
		return realBatch(step, c.batch, c.nc, size), c.batch, nil
	}
	zs := 0
	lat := func(dst []float32) {
		zs++
		copy(dst, latents(zs, c.batch, c.model().NZ))
	}
	var losses [][2]float64
	for i := 0; i < n; i++ {
		s, err := gan.StepUnlabelled(next, lat)
		if err != nil {
			t.Fatalf("step %d on %s: %v", i+1, gan.B.Name(), err)
		}
		losses = append(losses, [2]float64{s.LossD, s.LossG})
	}
	return losses
}

// TestLossCurve trains 200 steps on both backends: GAN training amplifies rounding
// differences step after step, so the curves are compared as means over windows of 20
// steps, which must stay within 0.05 + 10% of the CPU's.
func TestLossCurve(t *testing.T) {
	c := stepCase{arch: "dcgan28", nc: 1, batch: 16}
	mc := models.Config{Arch: c.arch, NZ: 16, NGF: 8, NDF: 8, NC: 1}
	var curves [2][][2]float64
	steps := emulatedSteps(t, 200, 60)
	for i, b := range backends(t) {
		gan := buildGAN(t, b, mc, c.batch, 21)
		curves[i] = trainSteps(t, gan, c, steps)
	}
	const window = 20
	for w := 0; w < steps/window; w++ {
		var m [2][2]float64
		for i := range curves {
			for _, l := range curves[i][w*window : (w+1)*window] {
				m[i][0] += l[0] / window
				m[i][1] += l[1] / window
			}
		}
		t.Logf("steps %3d-%3d: loss D cpu %.4f gpu %.4f, loss G cpu %.4f gpu %.4f", w*window+1, (w+1)*window, m[0][0], m[1][0], m[0][1], m[1][1])
		for k, name := range []string{"D", "G"} {
			if d := math.Abs(m[1][k] - m[0][k]); d > 0.05+0.1*math.Abs(m[0][k]) {
				t.Errorf("steps %d-%d: mean loss %s on the GPU %.4f, on the CPU %.4f", w*window+1, (w+1)*window, name, m[1][k], m[0][k])
			}
		}
	}
}

// TestDeterministic trains twice on the GPU from the same seed: every loss and every weight
// must be the same bits, as no kernel uses atomics and cuBLAS is deterministic on one GPU.
func TestDeterministic(t *testing.T) {
	b := gpu(t)
	c := stepCase{arch: "dcgan64", nc: 3, batch: 8}
	var losses [2][][2]float64
	var params [2][]float32
	steps := emulatedSteps(t, 20, 5)
	for run := range 2 {
		gan := buildGAN(t, b, c.model(), c.batch, 8)
		losses[run] = trainSteps(t, gan, c, steps)
		params[run] = append(host(b, gan.G.Params), host(b, gan.D.Params)...)
	}
	for i := range losses[0] {
		if losses[0][i] != losses[1][i] {
			t.Fatalf("step %d: losses %v, then %v", i+1, losses[0][i], losses[1][i])
		}
	}
	for i := range params[0] {
		if math.Float32bits(params[0][i]) != math.Float32bits(params[1][i]) {
			t.Fatalf("parameter %d after %d steps: %g, then %g", i, steps, params[0][i], params[1][i])
		}
	}
}

// TestCheckpointsMoveBetweenBackends trains on one backend, saves a checkpoint, resumes on
// the other, and checks that the state arrives bit for bit and that the next step agrees.
func TestCheckpointsMoveBetweenBackends(t *testing.T) {
	c := stepCase{arch: "dcgan28", nc: 1, batch: 8}
	cfg := run.Config{Arch: c.arch, NZ: 32, NGF: 16, NDF: 16, NC: 1, BatchSize: c.batch, Epochs: 1, LR: 2e-4,
		Beta1: 0.5, Beta2: 0.999, Loss: "nonsaturating", DSteps: 1, Seed: 3, Keep: 1, ImageSize: 28}
	for _, dir := range []struct {
		name     string
		from, to nn.Backend
	}{{"gpu_to_cpu", gpu(t), cpu.New()}, {"cpu_to_gpu", cpu.New(), gpu(t)}} {
		t.Run(dir.name, func(t *testing.T) {
			src := buildGAN(t, dir.from, c.model(), c.batch, 3)
			trainSteps(t, src, c, 3)
			path := filepath.Join(t.TempDir(), "step3.safetensors")
			p := run.Progress{Step: 3, ZRNG: rand.NewPCG(1, 2)}
			if err := run.SaveCheckpoint(path, src, p, cfg); err != nil {
				t.Fatal(err)
			}
			ck, err := run.LoadCheckpoint(path)
			if err != nil {
				t.Fatal(err)
			}
			dst := buildGAN(t, dir.to, c.model(), c.batch, 99)
			if err := ck.Restore(dst); err != nil {
				t.Fatal(err)
			}
			pairs := []struct {
				name     string
				from, to *nn.Tensor
			}{{"G.params", src.G.Params, dst.G.Params}, {"D.params", src.D.Params, dst.D.Params},
				{"G.buffers", src.G.Buffers, dst.G.Buffers}, {"D.buffers", src.D.Buffers, dst.D.Buffers},
				{"G.adam_m", src.OptG.M, dst.OptG.M}, {"G.adam_v", src.OptG.V, dst.OptG.V},
				{"D.adam_m", src.OptD.M, dst.OptD.M}, {"D.adam_v", src.OptD.V, dst.OptD.V}}
			for _, pr := range pairs {
				a, b := host(dir.from, pr.from), host(dir.to, pr.to)
				for i := range a {
					if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
						t.Fatalf("%s[%d]: %g saved, %g restored", pr.name, i, a[i], b[i])
					}
				}
			}
			if src.OptG.Steps() != dst.OptG.Steps() || src.OptD.Steps() != dst.OptD.Steps() {
				t.Fatalf("Adam steps %d, %d saved; %d, %d restored", src.OptG.Steps(), src.OptD.Steps(), dst.OptG.Steps(), dst.OptD.Steps())
			}
			// One more step on each side from the same state: Adam's counters continue.
			a, b := trainSteps(t, src, c, 1)[0], trainSteps(t, dst, c, 1)[0]
			for k := range a {
				if math.Abs(a[k]-b[k]) > 1e-4*(1+math.Abs(a[k])) {
					t.Errorf("the step after resuming: losses %v on %s, %v on %s", a, dir.from.Name(), b, dir.to.Name())
				}
			}
			nntest.CheckNMSE(t, "G.params after the next step", host(dir.to, dst.G.Params), host(dir.from, src.G.Params), 1e-5)
		})
	}
}
