package main

import (
	"fmt"
	"path/filepath"
	"testing"

	"gogan/cpu"
	"gogan/run"
)

// TestResumeWithNewLearningRate: a resume may lower G's learning rate. The steps after it
// train at the new rate (metrics.jsonl says so, and the optimiser rebuilt from the last
// checkpoint has it while D keeps --lr's), the configuration's history says from which step
// which rates held, and Adam's moments carry over: resuming with the old rates given
// explicitly ends bit for bit where a run straight through does.
func TestResumeWithNewLearningRate(t *testing.T) {
	const n = 5
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	straight, same, lower := filepath.Join(dir, "straight"), filepath.Join(dir, "same"), filepath.Join(dir, "lower")
	mustGan(t, trainArgs(data, straight, "--steps", fmt.Sprint(2*n))...)
	for _, out := range []string{same, lower} {
		mustGan(t, trainArgs(data, out, "--steps", fmt.Sprint(n))...)
	}
	mustGan(t, "train", "--resume", same, "--steps", fmt.Sprint(2*n), "--lr-g", "2e-4", "--lr-d", "0.0002")
	mustGan(t, "train", "--resume", lower, "--steps", fmt.Sprint(2*n), "--lr-g", "5e-5")
	compareCheckpoints(t, filepath.Join(straight, "checkpoints", "latest.safetensors"), filepath.Join(same, "checkpoints", "latest.safetensors"))

	for i, rec := range metricLines(t, filepath.Join(lower, "metrics.jsonl")) {
		wantG := float32(2e-4)
		if i >= n {
			wantG = 5e-5
		}
		g, _ := rec["lr_g"].(float64)
		d, _ := rec["lr_d"].(float64)
		if float32(g) != wantG || float32(d) != 2e-4 {
			t.Errorf("step %d: lr_g %v, lr_d %v in metrics.jsonl, want %g and 0.0002", i+1, rec["lr_g"], rec["lr_d"], wantG)
		}
	}
	ck, err := run.LoadCheckpoint(filepath.Join(lower, "checkpoints", "latest.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want := []run.SettingsSpan{
		{FromStep: 0, LRG: 2e-4, LRD: 2e-4, Beta1G: 0.5, Beta1D: 0.5, Beta2G: 0.999, Beta2D: 0.999},
		{FromStep: n, LRG: 5e-5, LRD: 2e-4, Beta1G: 0.5, Beta1D: 0.5, Beta2G: 0.999, Beta2D: 0.999},
	}
	if got := ck.Config.SettingsHistory; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("optimiser history %+v, want %+v", got, want)
	}
	gan, err := run.BuildGAN(ck.Config, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	defer gan.Close()
	if err := ck.Restore(gan); err != nil {
		t.Fatal(err)
	}
	if gan.OptG.Adam.LR != 5e-5 || gan.OptD.Adam.LR != 2e-4 || gan.OptG.Steps() != 2*n {
		t.Errorf("rebuilt optimisers: G at lr %g after %d steps, D at %g; want 5e-05 after %d, 0.0002",
			gan.OptG.Adam.LR, gan.OptG.Steps(), gan.OptD.Adam.LR, 2*n)
	}
}
