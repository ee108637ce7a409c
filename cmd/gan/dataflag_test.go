package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMissingDataFolderIsAnError names a --data folder that does not exist while the dataset
// is present where the search would go next: training must refuse rather than train on data
// other than what config.json records.
func TestMissingDataFolderIsAnError(t *testing.T) {
	dir := t.TempDir()
	writeIDXDataset(t, dir, synthImages)
	t.Setenv("GOGAN_DATA", dir)
	missing := filepath.Join(dir, "nonexistent")
	out := filepath.Join(dir, "run")
	expectOneLineError(t, gan(t, trainArgs(missing, out, "--steps", "1")...), "data folder "+missing+" does not exist")
	if _, err := os.Stat(filepath.Join(out, "config.json")); err == nil {
		t.Errorf("the refused run wrote config.json")
	}
	expectOneLineError(t, gan(t, "data", "--dataset", "mnist", "--data", missing), missing)
}

// TestTrainSaysWhatItUses checks the line a run starts with: architecture, data, device and
// output folder.
func TestTrainSaysWhatItUses(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	res := mustGan(t, trainArgs(data, out, "--steps", "1")...)
	want := "training dcgan28 (nz 8, ngf 4, ndf 4) on MNIST train, 40 images of 1×28×28 from " + data + "; device cpu; outputs in " + out + "\n"
	if !strings.HasPrefix(res.stderr, want) {
		t.Errorf("stderr begins %q, want %q", res.stderr[:min(len(res.stderr), len(want))], want)
	}
	res = mustGan(t, "train", "--resume", latestOf(out), "--steps", "2")
	if want := "resuming at step 1 from " + latestOf(out) + ": dcgan28"; !strings.Contains(res.stderr, want) {
		t.Errorf("resumed run's stderr does not say %q:\n%s", want, res.stderr)
	}
}
