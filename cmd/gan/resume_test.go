package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"gogan/run"
	"gogan/train"
)

// TestResumeRulesCoverTrainFlags: every flag of gan train says what it does on resume, by
// exactly one of apply and same, and every rule is a flag's.
func TestResumeRulesCoverTrainFlags(t *testing.T) {
	fs, _ := newTrainFlags(io.Discard)
	n := 0
	for name, rule := range resumeRules {
		if fs.Lookup(name) == nil {
			t.Errorf("resume rule for %q, which is no flag of gan train", name)
		}
		if (rule.apply == nil) == (rule.same == nil) {
			t.Errorf("--%s: a rule needs exactly one of apply (resumable) and same (fixed)", name)
		}
		n++
	}
	count := 0
	fs.VisitAll(func(f *flag.Flag) {
		count++
		if _, ok := resumeRules[f.Name]; !ok {
			t.Errorf("--%s has no resume rule", f.Name)
		}
	})
	if count != n {
		t.Errorf("%d flags, %d rules", count, n)
	}
}

// changedValues gives each fixed flag a value other than its default, which stands for the
// checkpoint's setting in TestResumeConfig.
var changedValues = map[string]string{
	"dataset": "mnist", "split": "test", "arch": "dcgan64", "image-size": "64", "nc": "3", "nz": "16",
	"ngf": "32", "ndf": "32", "batch-size": "32", "d-steps": "2", "loss": "hinge", "conditional": "true",
	"seed": "2", "lr": "0.001", "beta1": "0.9", "beta2": "0.99", "clip": "0.02", "ema-decay": "0.5",
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
		return f.config(), fs, set
	}
	ckCfg, _, _ := parse(t)
	ckCfg.Arch, ckCfg.NC, ckCfg.ImageSize, ckCfg.Steps = "dcgan28", 1, 28, 10
	ck := &run.Checkpoint{Config: ckCfg}
	resume := func(t *testing.T, args ...string) (run.Config, error) {
		t.Helper()
		cfg, fs, set := parse(t, args...)
		return resumeConfig(fs, set, cfg, ck)
	}

	for name, rule := range resumeRules {
		if rule.same == nil {
			continue
		}
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
	if err != nil || got.Steps != 7 || got.Out != "o" || got.Keep != 9 || got.NZ != 100 || got.Arch != "dcgan28" || got.ImageSize != 28 {
		t.Errorf("resumable and repeated flags: %+v, %v", got, err)
	}
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
