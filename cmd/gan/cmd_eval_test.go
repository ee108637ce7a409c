package main

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/internal/atomicfile"
	"gogan/metrics"
)

// The eval tests run on the synthetic IDX dataset with a classifier trained in a second on it
// and put in a cache folder, so that the command finds it there instead of training the real
// one for minutes. The synthetic dataset has only a training split: the command compares its
// two halves.

// tinyRecipe trains a classifier on the synthetic images in well under a second.
var tinyRecipe = metrics.Recipe{Images: 64, MinEpochs: 1, BatchSize: 8, LR: 1e-3, Seed: 1}

// evalFixture writes the synthetic dataset and a cached classifier for it and returns the
// dataset folder and the cache folder.
func evalFixture(t *testing.T) (dataDir, cache string) {
	t.Helper()
	dir := t.TempDir()
	dataDir = writeIDXDataset(t, dir, synthImages)
	cache = filepath.Join(dir, "cache")
	train, held, err := metrics.TrainingParts("mnist", dataDir)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := metrics.Train(cpu.New(), "mnist", train, held, tinyRecipe, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := ex.Save(metrics.CachePath(cache, "mnist")); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOGAN_DATA", t.TempDir()) // keep a developer's own copies out of the search
	return dataDir, cache
}

// writeNoiseNPY writes n uniform-noise 28×28 images as an .npy file.
func writeNoiseNPY(t *testing.T, path string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 3))
	x := make([]float32, n*28*28)
	for i := range x {
		x[i] = float32(2*rng.Float64() - 1)
	}
	d := tensor.New(tensor.WithShape(n, 1, 28, 28), tensor.WithBacking(x))
	if err := atomicfile.Write(path, 0o644, d.WriteNpy); err != nil {
		t.Fatal(err)
	}
}

func evalJSON(t *testing.T, args ...string) metrics.Report {
	t.Helper()
	res := mustGan(t, append([]string{"eval", "--json"}, args...)...)
	var r metrics.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil || strings.Count(strings.TrimSpace(res.stdout), "\n") != 0 {
		t.Fatalf("--json printed %q, not one JSON object: %v", res.stdout, err)
	}
	return r
}

func TestEvalSamples(t *testing.T) {
	dataDir, cache := evalFixture(t)
	noise := filepath.Join(t.TempDir(), "noise.npy")
	writeNoiseNPY(t, noise, 100)
	base := []string{"--dataset", "mnist", "--data", dataDir, "--cache", cache}

	// The training images themselves, as an IDX file: real against real.
	realRun := evalJSON(t, append(base, "--samples", filepath.Join(dataDir, "train-images-idx3-ubyte.gz"))...)
	noiseRun := evalJSON(t, append(base, "--samples", noise)...)
	for _, r := range []metrics.Report{realRun, noiseRun} {
		if r.N != synthImages/2 || r.Generated == nil || r.Extractor != metrics.ExtractorName("mnist") ||
			!strings.Contains(r.Reference, "MNIST train") || !strings.Contains(r.Baseline, "other images of MNIST train") {
			t.Errorf("report %+v: want %d images per set from the two halves of MNIST train, scored by %s",
				r, synthImages/2, metrics.ExtractorName("mnist"))
		}
	}
	if !reflect.DeepEqual(realRun.Real, noiseRun.Real) {
		t.Errorf("the real-vs-real floor changed with the samples: %+v, then %+v", realRun.Real, noiseRun.Real)
	}
	if noiseRun.Generated.FrechetDistance <= 2*realRun.Generated.FrechetDistance {
		t.Errorf("Fréchet distance of noise %.4g, of real images %.4g: want noise far above",
			noiseRun.Generated.FrechetDistance, realRun.Generated.FrechetDistance)
	}

	res := mustGan(t, append([]string{"eval", "--samples", noise, "--n", "8"}, base...)...)
	for _, want := range []string{"generated: 8 images from " + noise, "Fréchet distance", "real vs real"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	if !strings.Contains(res.stderr, "warning: with 8 images per set, precision and recall") {
		t.Errorf("no warning that 8 images are too few for precision and recall:\n%s", res.stderr)
	}
}

func TestEvalCheckpoint(t *testing.T) {
	_, cache := evalFixture(t)
	run := trainTiny(t, 2)
	ck := filepath.Join(run, "checkpoints", "latest.safetensors")
	res := mustGan(t, "eval", "--checkpoint", ck, "--cache", cache, "--n", "16")
	for _, want := range []string{"gogan-classifier-v1/mnist", "Fréchet distance", "precision, k=3", "real vs real",
		"generated: 16 images from the averaged generator of " + ck} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, res.stdout)
		}
	}
	// The same seed gives the same scores; another seed other latents.
	a := evalJSON(t, "--checkpoint", ck, "--cache", cache, "--n", "16")
	b := evalJSON(t, "--checkpoint", ck, "--cache", cache, "--n", "16")
	c := evalJSON(t, "--checkpoint", ck, "--cache", cache, "--n", "16", "--seed", "2")
	if !reflect.DeepEqual(*a.Generated, *b.Generated) {
		t.Errorf("two runs with seed 1: %+v and %+v", *a.Generated, *b.Generated)
	}
	if reflect.DeepEqual(*a.Generated, *c.Generated) {
		t.Errorf("seeds 1 and 2 gave the same scores %+v", *a.Generated)
	}
}

func TestEvalBaselineOnly(t *testing.T) {
	dataDir, cache := evalFixture(t)
	r := evalJSON(t, "--dataset", "mnist", "--data", dataDir, "--cache", cache)
	if r.Generated != nil || r.Real.ClassifierScore < 1 || r.Real.Precision <= 0 {
		t.Errorf("baseline report %+v: want real-vs-real scores only", r)
	}
}

func TestEvalBadInput(t *testing.T) {
	dataDir, cache := evalFixture(t)
	noise := filepath.Join(t.TempDir(), "noise.npy")
	writeNoiseNPY(t, noise, 10)
	junk := filepath.Join(t.TempDir(), "junk.npy")
	if err := os.WriteFile(junk, []byte("\x93NUMPY\x01\x00garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	brokenCache := filepath.Join(t.TempDir(), "cache")
	if err := os.MkdirAll(brokenCache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(metrics.CachePath(brokenCache, "mnist"), []byte("not a safetensors file"), 0o644); err != nil {
		t.Fatal(err)
	}
	ds := []string{"--dataset", "mnist", "--data", dataDir}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"nothing to score", []string{}, []string{"give --checkpoint, or --dataset"}},
		{"both sources", []string{"--checkpoint", "a", "--samples", "b"}, []string{"not both"}},
		{"dataset with checkpoint", []string{"--checkpoint", "a", "--dataset", "mnist"}, []string{"come from the checkpoint"}},
		{"too few", append([]string{"--n", "3"}, ds...), []string{"--n 3 is too few"}},
		{"bad split", append([]string{"--split", "dev"}, ds...), []string{"train or test"}},
		{"missing checkpoint", []string{"--checkpoint", filepath.Join(dataDir, "none.safetensors")}, []string{"none.safetensors"}},
		{"damaged samples", append([]string{"--samples", junk, "--cache", cache}, ds...), []string{junk}},
		{"folder without images", []string{"--dataset", dataDir, "--samples", noise, "--cache", cache}, []string{"no readable image"}},
		{"missing folder", []string{"--dataset", filepath.Join(dataDir, "none") + "/", "--cache", cache}, []string{"none"}},
		{"not in the catalog", []string{"--dataset", "cifar", "--cache", cache}, []string{`"cifar" is not a catalog dataset`}},
		{"broken cache", append([]string{"--cache", brokenCache}, ds...), []string{metrics.CachePath(brokenCache, "mnist"), "--retrain"}},
		// 32 training images of the synthetic set cannot fill the real recipe's batches.
		{"retrain on too little", append([]string{"--cache", t.TempDir(), "--retrain"}, ds...), []string{"too few"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := gan(t, append([]string{"eval"}, c.args...)...)
			// Progress may come first; the error is the last line.
			lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
			line := lines[len(lines)-1]
			if res.code != 1 || !strings.HasPrefix(line, "gan eval: ") {
				t.Fatalf("exit %d, stderr %q: want exit 1 and a last line starting gan eval:", res.code, res.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(line, w) {
					t.Errorf("error %q does not mention %q", line, w)
				}
			}
		})
	}
}

// TestTrainEvalEveryReportsOnTheConsole: the scores of --eval-every go to the console, next
// to the real-vs-real floor, as well as to metrics.jsonl.
func TestTrainEvalEveryReportsOnTheConsole(t *testing.T) {
	dataDir, cache := evalFixture(t)
	t.Setenv("GOGAN_CACHE", cache)
	out := filepath.Join(t.TempDir(), "run")
	res := mustGan(t, trainArgs(dataDir, out, "--steps", "2", "--eval-every", "2", "--eval-n", "16")...)
	if !strings.Contains(res.stderr, "step 2: Fréchet distance ") || !strings.Contains(res.stderr, "(real vs real ") {
		t.Errorf("no scores on the console:\n%s", res.stderr)
	}
	lines := metricLines(t, filepath.Join(out, "metrics.jsonl"))
	if _, ok := lines[len(lines)-1]["quality"]; !ok {
		t.Errorf("metrics.jsonl's last line has no quality: %v", lines[len(lines)-1])
	}
}
