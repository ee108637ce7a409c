package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"gogan/run"
	"gogan/train"
)

// TestResumeRulesCoverTrainFlags: the flag set is the table, one flag a row; every row
// binds a setting of its default's type, and only a fixed row compares while only a resumable
// one applies.
func TestResumeRulesCoverTrainFlags(t *testing.T) {
	fs, _ := newTrainFlags(io.Discard)
	count := 0
	fs.VisitAll(func(f *flag.Flag) {
		count++
		if _, ok := trainFlagByName[f.Name]; !ok {
			t.Errorf("--%s is in no row of trainFlagTable", f.Name)
		}
	})
	if count != len(trainFlagTable) || len(trainFlagByName) != len(trainFlagTable) {
		t.Errorf("%d flags, %d rows, %d names", count, len(trainFlagTable), len(trainFlagByName))
	}
	for _, f := range trainFlagTable {
		if f.same != nil && f.kind != fixed || f.apply != nil && f.kind != resumable {
			t.Errorf("--%s: same is for fixed rows, apply for resumable ones", f.name)
		}
		if got := fs.Lookup(f.name); got != nil && got.DefValue != formatDefault(f) {
			t.Errorf("--%s: default %q, the row says %v", f.name, got.DefValue, f.def)
		}
	}
}

// formatDefault spells a row's default as its flag does.
func formatDefault(f trainFlag) string {
	switch def := f.def.(type) {
	case float32:
		return float32Value{&def}.String()
	case nil:
		return ""
	}
	return fmt.Sprint(f.def)
}

// changedValues gives each fixed flag a value other than its default, which stands for the
// checkpoint's setting in TestResumeConfig.
var changedValues = map[string]string{
	"dataset": "mnist", "split": "test", "arch": "dcgan64", "image-size": "64", "nc": "3", "nz": "16",
	"ngf": "32", "ndf": "32", "batch-size": "32", "d-steps": "2", "loss": "hinge", "conditional": "true",
	"seed": "2", "clip": "0.02", "ema-decay": "0.5",
	"ema-stats": train.EMAStatsAveraged,
}

// TestResumeConfig resumes a checkpoint of the default configuration (dcgan28 on one
// channel, as the data implied) with each flag given: a fixed flag passes with the
// checkpoint's value and fails naming the flag and both values with another; a resumable
// one overrides the checkpoint.
func TestResumeConfig(t *testing.T) {
	parse := func(t *testing.T, args ...string) (run.Config, *flag.FlagSet, map[string]bool) {
		t.Helper()
		fs, f := newTrainFlags(io.Discard)
		if err := fs.Parse(args); err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		return f.cfg, fs, set
	}
	ckCfg, _, _ := parse(t)
	ckCfg.Arch, ckCfg.NC, ckCfg.ImageSize, ckCfg.Steps = "dcgan28", 1, 28, 10
	ckCfg.ReplaySteps, ckCfg.TensorBoard = false, false // as a checkpoint reads: not recorded
	ck := &run.Checkpoint{Config: ckCfg}
	resume := func(t *testing.T, args ...string) (run.Config, error) {
		t.Helper()
		cfg, fs, set := parse(t, args...)
		return resumeConfig(fs, set, cfg, ck)
	}

	for _, row := range trainFlagTable {
		if row.kind != fixed {
			continue
		}
		name := row.name
		t.Run(name, func(t *testing.T) {
			def := flagDefault(t, name)
			if _, err := resume(t, "--"+name+"="+def); err != nil {
				t.Errorf("--%s=%s, the checkpoint's value: %v", name, def, err)
			}
			other, ok := changedValues[name]
			if !ok {
				t.Fatalf("no changed value for --%s in the test's table", name)
			}
			_, err := resume(t, "--"+name+"="+other)
			if err == nil || !strings.Contains(err.Error(), "--"+name+" cannot change when resuming") || !strings.Contains(err.Error(), "now "+other) {
				t.Errorf("--%s=%s: error %v, want one saying it cannot change, with its value", name, other, err)
			}
		})
	}

	got, err := resume(t, "--steps", "7", "--out", "o", "--keep", "9", "--nz", "100", "--arch", "auto", "--image-size", "0")
	if err != nil || !got.ReplaySteps || !got.TensorBoard || got.Steps != 7 || got.Out != "o" || got.Keep != 9 || got.NZ != 100 || got.Arch != "dcgan28" || got.ImageSize != 28 {
		t.Errorf("resumable and repeated flags: %+v, %v", got, err)
	}
	// A network's own rate overrides --lr for it alone; --lr alone sets both again.
	lrG := float32(1e-4)
	ck.Config.LRG = &lrG
	if got, err := resume(t, "--lr-d", "3e-4"); err != nil || got.LRG == nil || *got.LRG != 1e-4 || got.LRD == nil || *got.LRD != 3e-4 || got.LR != 2e-4 {
		t.Errorf("--lr-d over a checkpoint with its own lr-g: %+v, %v", got, err)
	}
	if got, err := resume(t, "--lr", "1e-3"); err != nil || got.LRG != nil || got.LRD != nil || got.LR != 1e-3 {
		t.Errorf("--lr over a checkpoint with its own lr-g: %+v, %v", got, err)
	}
	ck.Config.LRG = nil
	// --epochs lifts the checkpoint's step limit unless --steps is given too, in any order.
	for _, args := range [][]string{{"--epochs", "3"}, {"--epochs", "3", "--steps", "5"}, {"--steps", "5", "--epochs", "3"}} {
		want := 0
		if len(args) > 2 {
			want = 5
		}
		if got, err := resume(t, args...); err != nil || got.Epochs != 3 || got.Steps != want {
			t.Errorf("%v: epochs %d, steps %d (%v), want 3 and %d", args, got.Epochs, got.Steps, err, want)
		}
	}
}

func flagDefault(t *testing.T, name string) string {
	t.Helper()
	fs, _ := newTrainFlags(io.Discard)
	return fs.Lookup(name).DefValue
}
