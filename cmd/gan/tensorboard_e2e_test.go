package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/tensorboard"
)

// TestTrainWritesTensorBoard trains a few steps, stops, and resumes from an earlier
// checkpoint: the run's event files hold every step's losses and D's outputs once, in one
// curve across the resume, the sample grids at the steps they were made and the
// configuration; --tensorboard=false writes none.
func TestTrainWritesTensorBoard(t *testing.T) {
	dir := t.TempDir()
	ds := writeIDXDataset(t, dir, 64)
	out := filepath.Join(dir, "run")
	mustGan(t, trainArgs(ds, out, "--steps", "6", "--checkpoint-every", "2", "--keep", "5", "--sample-every", "3")...)
	// Resume from step 4: steps 5 and 6 of the first run are dropped and trained again.
	mustGan(t, trainArgs(ds, out, "--resume", filepath.Join(out, "checkpoints", "step_4.safetensors"), "--steps", "8", "--sample-every", "3")...)
	values, err := tensorboard.ReadDir(filepath.Join(out, "tb"))
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string][]int64{}
	var configs int
	for _, v := range values {
		switch v.Kind {
		case "scalar", "image":
			steps[v.Tag] = append(steps[v.Tag], v.Step)
		case "text":
			configs++
			if v.Tag != tensorboard.TagConfig || !strings.Contains(v.Text, `"batch_size"`) {
				t.Errorf("text %q at step %d: %.60q, want the configuration", v.Tag, v.Step, v.Text)
			}
		}
		if v.Kind == "image" && (v.Width < 8 || v.Height < 8) {
			t.Errorf("sample grid at step %d is %d×%d", v.Step, v.Width, v.Height)
		}
	}
	want := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	for _, tag := range []string{tensorboard.TagLossD, tensorboard.TagLossG, tensorboard.TagDReal, tensorboard.TagDFake} {
		if !equalSteps(steps[tag], want) {
			t.Errorf("%s at steps %v, want %v", tag, steps[tag], want)
		}
	}
	// Grids at 3 and 6 in the first run (6 dropped on resume), then 6 and 8 (the last step).
	if got := steps[tensorboard.TagSamples]; !equalSteps(got, []int64{3, 6, 8}) {
		t.Errorf("sample grids at steps %v, want [3 6 8]", got)
	}
	if configs != 2 {
		t.Errorf("%d configurations, want one per start", configs)
	}

	off := filepath.Join(dir, "off")
	mustGan(t, trainArgs(ds, off, "--steps", "2", "--tensorboard=false")...)
	if _, err := os.Stat(filepath.Join(off, "tb")); !os.IsNotExist(err) {
		t.Errorf("--tensorboard=false made %s/tb (%v)", off, err)
	}
}

func equalSteps(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
