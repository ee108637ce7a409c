package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gogan/checkpoints"
	"gogan/run"
)

// TestTrainOutputs trains a few steps across an epoch boundary and checks every file a run
// writes: the grids decode at the grid's size, the GIF has a frame per grid, the metrics
// are one valid JSON object per step, only the newest --keep checkpoints remain and
// latest.safetensors is the newest of them.
func TestTrainOutputs(t *testing.T) {
	const steps, sampleEvery, ckEvery, keep, perEpoch = 7, 3, 2, 2, synthImages / 8
	out := trainTiny(t, steps, "--sample-every", fmt.Sprint(sampleEvery), "--checkpoint-every", fmt.Sprint(ckEvery), "--keep", fmt.Sprint(keep))

	// The synthetic data's ten classes: a row of 8 per class (4 images and 4 blanks each),
	// and a margin of names on the left.
	real := decodePNG(t, filepath.Join(out, "real_samples.png")).Bounds().Size()
	if plain := gridSize(80, 8, 28); real.Y != plain.Y || real.X <= plain.X {
		t.Errorf("real_samples.png is %v, want %d high (10 rows) and wider than %d (the names)", real, plain.Y, plain.X)
	}
	// A grid at every --sample-every steps, at each epoch's end and at the last step.
	var sampled []int
	for s := 1; s <= steps; s++ {
		if s%sampleEvery == 0 || s%perEpoch == 0 || s == steps {
			sampled = append(sampled, s)
		}
	}
	pngs, _ := filepath.Glob(filepath.Join(out, "samples", "*.png"))
	if len(pngs) != len(sampled) {
		t.Errorf("samples/ holds %d grids %v, want steps %v", len(pngs), pngs, sampled)
	}
	for _, s := range sampled {
		p := filepath.Join(out, "samples", fmt.Sprintf("step_%d.png", s))
		if got, want := decodePNG(t, p).Bounds().Size(), gridSize(64, 8, 28); got != want {
			t.Errorf("%s is %v, want %v", p, got, want)
		}
	}

	f, err := os.Open(filepath.Join(out, "progress.gif"))
	if err != nil {
		t.Fatal(err)
	}
	anim, err := gif.DecodeAll(f)
	f.Close()
	if err != nil {
		t.Fatalf("progress.gif: %v", err)
	}
	if len(anim.Image) != len(sampled) {
		t.Errorf("progress.gif has %d frames, want one per grid, %d", len(anim.Image), len(sampled))
	}
	decodePNG(t, filepath.Join(out, "loss.png"))

	lines := metricLines(t, filepath.Join(out, "metrics.jsonl"))
	if len(lines) != steps {
		t.Fatalf("metrics.jsonl has %d lines, want %d", len(lines), steps)
	}
	for i, m := range lines {
		for _, key := range []string{"step", "epoch", "loss_d", "loss_g", "d_real", "d_fake", "seconds"} {
			v, ok := m[key].(float64)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("metrics line %d: %s = %v, want a finite number", i+1, key, m[key])
			}
		}
		if m["step"] != float64(i+1) || m["epoch"] != float64(i/perEpoch) {
			t.Errorf("metrics line %d: step %v epoch %v, want %d and %d", i+1, m["step"], m["epoch"], i+1, i/perEpoch)
		}
		if d := m["d_real"].(float64); d <= 0 || d >= 1 {
			t.Errorf("metrics line %d: d_real %v is not a probability", i+1, d)
		}
	}

	cks, _ := filepath.Glob(filepath.Join(out, "checkpoints", "step_*.safetensors"))
	var want []string
	for s := steps; len(want) < keep; s-- {
		if s%ckEvery == 0 || s == steps {
			want = append(want, filepath.Join(out, "checkpoints", fmt.Sprintf("step_%d.safetensors", s)))
		}
	}
	slices.Sort(cks)
	slices.Sort(want)
	if !slices.Equal(cks, want) {
		t.Errorf("checkpoints %v, want the newest %d: %v", cks, keep, want)
	}
	newest := filepath.Join(out, "checkpoints", fmt.Sprintf("step_%d.safetensors", steps))
	if !bytes.Equal(readFile(t, filepath.Join(out, "checkpoints", "latest.safetensors")), readFile(t, newest)) {
		t.Errorf("latest.safetensors differs from %s", newest)
	}
	ck, err := run.LoadCheckpoint(newest)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Progress.Step != steps {
		t.Errorf("%s is at step %d, want %d", newest, ck.Progress.Step, steps)
	}

	var cfg run.Config
	if err := json.Unmarshal(readFile(t, filepath.Join(out, "config.json")), &cfg); err != nil {
		t.Fatalf("config.json: %v", err)
	}
	// --arch auto and --nc 0 are settled from the data before config.json is written.
	if cfg.Arch != "dcgan28" || cfg.ImageSize != 28 || cfg.NC != 1 || cfg.NZ != 8 || cfg.NGF != 4 ||
		cfg.NDF != 4 || cfg.BatchSize != 8 || cfg.Steps != steps || cfg.Keep != keep || cfg.Out != out {
		t.Errorf("config.json does not match the flags: %+v", cfg)
	}
	if !reflect.DeepEqual(cfg, ck.Config) {
		t.Errorf("config.json %+v differs from the checkpoint's %+v", cfg, ck.Config)
	}
}

// TestResumeIsExact checks that on the CPU, training 2N steps equals training N, resuming and
// training to 2N, bit for bit in every tensor of the final checkpoint (the averaged generator's
// included) and in the losses of every step. N = 7 crosses an epoch boundary of the 5-batch
// dataset.
func TestResumeIsExact(t *testing.T) {
	const n = 7
	for _, flags := range [][]string{{"--d-steps", "1"}, {"--d-steps", "2"}, {"--conditional"},
		{"--augment", "color,translation,cutout", "--mirror"}} {
		t.Run(strings.Join(flags, "="), func(t *testing.T) {
			dir := t.TempDir()
			data := writeIDXDataset(t, dir, synthImages)
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			mustGan(t, trainArgs(data, a, append(flags, "--steps", fmt.Sprint(2*n))...)...)
			mustGan(t, trainArgs(data, b, append(flags, "--steps", fmt.Sprint(n))...)...)
			mustGan(t, "train", "--resume", filepath.Join(b, "checkpoints", "latest.safetensors"), "--steps", fmt.Sprint(2*n))

			if f, err := checkpoints.Read(filepath.Join(a, "checkpoints", "latest.safetensors")); err != nil {
				t.Fatal(err)
			} else if _, ok := f.Info("generator_ema.0.weight"); !ok {
				t.Fatal("the checkpoint holds no averaged generator")
			}
			compareCheckpoints(t, filepath.Join(a, "checkpoints", "latest.safetensors"), filepath.Join(b, "checkpoints", "latest.safetensors"))
			la, lb := metricLines(t, filepath.Join(a, "metrics.jsonl")), metricLines(t, filepath.Join(b, "metrics.jsonl"))
			if len(la) != 2*n || len(lb) != 2*n {
				t.Fatalf("metrics of %d and %d steps, want %d", len(la), len(lb), 2*n)
			}
			for i := range la {
				for _, key := range []string{"step", "epoch", "loss_d", "loss_g", "d_real", "d_fake", "d_fake_g", "loss_d_real", "loss_d_fake"} {
					if la[i][key] != lb[i][key] {
						t.Errorf("step %d: %s %v straight through, %v resumed", i+1, key, la[i][key], lb[i][key])
					}
				}
			}
		})
	}
}

// compareCheckpoints fails unless two checkpoints hold the same tensors, bit for bit, and the
// same progress.
func compareCheckpoints(t *testing.T, pathA, pathB string) {
	t.Helper()
	fa, err := checkpoints.Read(pathA)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := checkpoints.Read(pathB)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(fa.Names(), fb.Names()) {
		t.Fatalf("tensor names differ:\n%v\n%v", fa.Names(), fb.Names())
	}
	for _, name := range fa.Names() {
		info, _ := fa.Info(name)
		if info.DType == checkpoints.Int64 {
			va, _ := fa.I64(name)
			vb, _ := fb.I64(name)
			if !slices.Equal(va, vb) {
				t.Errorf("%s: %v straight through, %v resumed", name, va, vb)
			}
			continue
		}
		va, err := fa.F32(name)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := fb.F32(name, info.Shape...)
		if err != nil {
			t.Fatal(err)
		}
		for i := range va {
			if math.Float32bits(va[i]) != math.Float32bits(vb[i]) {
				t.Errorf("%s[%d]: %g straight through, %g resumed", name, i, va[i], vb[i])
				break
			}
		}
	}
	ma, mb := fa.Metadata(), fb.Metadata()
	for _, key := range []string{"step", "epoch", "batch_index", "z_rng", "augment_rng", "mirror_rng"} {
		if ma[key] != mb[key] {
			t.Errorf("metadata %s: %q straight through, %q resumed", key, ma[key], mb[key])
		}
	}
}

// TestDatasetNameBesideFolderOfThatName trains on a named dataset from the folder that holds
// it, as after cd into $GOGAN_DATA: the name must still mean the dataset, not a folder of
// images that happens to share it.
func TestDatasetNameBesideFolderOfThatName(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	t.Chdir(dir)
	mustGan(t, trainArgs(data, filepath.Join(dir, "run"), "--steps", "1")...)
}
