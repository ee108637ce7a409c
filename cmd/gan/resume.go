package main

import (
	"cmp"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gogan/data"
	"gogan/run"
	"gogan/train"
)

// A resumeRule says what one flag of gan train does when resuming: a resumable flag (how
// long to train, where and how often to write, on which device) overrides the checkpoint's
// setting; any other is fixed by the checkpoint and may be given again, as people do by
// adding --resume to the command line that started the run, only with the checkpoint's value.
type resumeRule struct {
	// apply copies a resumable flag's setting from the command line's configuration into the
	// checkpoint's; nil for a fixed flag.
	apply func(base *run.Config, given run.Config)
	// same compares a fixed flag's given value with the checkpoint's, as the flag means it,
	// and spells the checkpoint's value for the message.
	same func(given string, ck run.Config) (was string, same bool)
}

// notInConfig is the rule of a resumable flag that is not part of the checkpoint's configuration:
// --resume itself, and --cuda-graph and --tensorboard, which runTrain applies after resuming.
func notInConfig(*run.Config, run.Config) {}

// resumeRules has a rule for every flag of gan train; TestResumeRulesCoverTrainFlags keeps
// it so.
var resumeRules = map[string]resumeRule{
	// Resumable.
	"epochs": {apply: func(b *run.Config, c run.Config) {
		b.Epochs, b.Steps = c.Epochs, c.Steps // --epochs without --steps lifts the checkpoint's step limit
	}},
	"steps":            {apply: func(b *run.Config, c run.Config) { b.Steps = c.Steps }},
	"out":              {apply: func(b *run.Config, c run.Config) { b.Out = c.Out }},
	"sample-every":     {apply: func(b *run.Config, c run.Config) { b.SampleEvery = c.SampleEvery }},
	"checkpoint-every": {apply: func(b *run.Config, c run.Config) { b.CheckpointEvery = c.CheckpointEvery }},
	"keep":             {apply: func(b *run.Config, c run.Config) { b.Keep = c.Keep }},
	"eval-every":       {apply: func(b *run.Config, c run.Config) { b.EvalEvery = c.EvalEvery }},
	"eval-n":           {apply: func(b *run.Config, c run.Config) { b.EvalN = c.EvalN }},
	"device":           {apply: func(b *run.Config, c run.Config) { b.Device = c.Device }},
	"tf32":             {apply: func(b *run.Config, c run.Config) { b.TF32 = c.TF32 }},
	"data":             {apply: func(b *run.Config, c run.Config) { b.Data = c.Data }},
	"overwrite":        {apply: func(b *run.Config, c run.Config) { b.Overwrite = c.Overwrite }},
	"augment":          {apply: func(b *run.Config, c run.Config) { b.Augment = c.Augment }},
	"mirror":           {apply: func(b *run.Config, c run.Config) { b.Mirror = c.Mirror }},
	"resume":           {apply: notInConfig},
	"cuda-graph":       {apply: notInConfig},
	"tensorboard":      {apply: notInConfig},

	// Fixed by the checkpoint.
	"dataset": {same: func(given string, ck run.Config) (string, bool) {
		if data.IsFolder(given) || data.IsFolder(ck.Dataset) {
			return ck.Dataset, filepath.Clean(given) == filepath.Clean(ck.Dataset)
		}
		return ck.Dataset, strings.EqualFold(given, ck.Dataset)
	}},
	"split": {same: sameString(func(c run.Config) string { return c.Split })},
	"arch": {same: func(given string, ck run.Config) (string, bool) {
		return ck.Arch, given == "auto" || given == ck.Arch // auto: what the data implies
	}},
	"image-size":  {same: sameIntOrZero(func(c run.Config) int { return c.ImageSize })},
	"nc":          {same: sameIntOrZero(func(c run.Config) int { return c.NC })},
	"nz":          {same: sameInt(func(c run.Config) int { return c.NZ })},
	"ngf":         {same: sameInt(func(c run.Config) int { return c.NGF })},
	"ndf":         {same: sameInt(func(c run.Config) int { return c.NDF })},
	"batch-size":  {same: sameInt(func(c run.Config) int { return c.BatchSize })},
	"d-steps":     {same: sameInt(func(c run.Config) int { return c.DSteps })},
	"loss":        {same: sameString(func(c run.Config) string { return c.Loss })},
	"conditional": {same: sameString(func(c run.Config) string { return strconv.FormatBool(c.Conditional) })},
	"seed":        {same: sameString(func(c run.Config) string { return strconv.FormatUint(c.Seed, 10) })},
	"lr":          {same: sameFloat(func(c run.Config) float32 { return c.LR })},
	"beta1":       {same: sameFloat(func(c run.Config) float32 { return c.Beta1 })},
	"beta2":       {same: sameFloat(func(c run.Config) float32 { return c.Beta2 })},
	"clip":        {same: sameFloat(func(c run.Config) float32 { return c.Clip })},
	"ema-decay":   {same: sameFloat(func(c run.Config) float32 { return c.EMADecay })},
	"ema-stats": {same: sameString(func(c run.Config) string {
		return cmp.Or(c.EMAStats, train.EMAStatsRecomputed) // empty in checkpoints from before the choice
	})},
}

func sameString(field func(run.Config) string) func(string, run.Config) (string, bool) {
	return func(given string, ck run.Config) (string, bool) { return field(ck), given == field(ck) }
}

// sameInt compares numbers as numbers, so that 064 is 64.
func sameInt(field func(run.Config) int) func(string, run.Config) (string, bool) {
	return func(given string, ck run.Config) (string, bool) {
		n, err := strconv.Atoi(given)
		return strconv.Itoa(field(ck)), err == nil && n == field(ck)
	}
}

// sameIntOrZero is sameInt for a flag whose 0 stands for what the data implies.
func sameIntOrZero(field func(run.Config) int) func(string, run.Config) (string, bool) {
	return func(given string, ck run.Config) (string, bool) {
		was, same := sameInt(field)(given, ck)
		return was, same || given == "0"
	}
}

// sameFloat compares at the float32 precision the configuration keeps.
func sameFloat(field func(run.Config) float32) func(string, run.Config) (string, bool) {
	return func(given string, ck run.Config) (string, bool) {
		f, err := strconv.ParseFloat(given, 64)
		v := field(ck)
		return strconv.FormatFloat(float64(v), 'g', -1, 32), err == nil && float32(f) == v
	}
}

// resumeConfig is the checkpoint's configuration with the resumable flags that were given
// (set) applied from cfg, after checking that every fixed flag given has the checkpoint's value.
func resumeConfig(fs *flag.FlagSet, set map[string]bool, cfg run.Config, ck *run.Checkpoint) (run.Config, error) {
	base := ck.Config
	for name := range set {
		rule, ok := resumeRules[name]
		switch {
		case !ok:
			return base, fmt.Errorf("--%s cannot be given when resuming (the checkpoint's configuration is used)", name)
		case rule.apply != nil:
			continue
		}
		given := fs.Lookup(name).Value.String()
		if was, same := rule.same(given, base); !same {
			return base, fmt.Errorf("--%s cannot change when resuming: was %s, now %s (the checkpoint's configuration is used)", name, was, given)
		}
	}
	for name := range set {
		if apply := resumeRules[name].apply; apply != nil {
			apply(&base, cfg)
		}
	}
	return base, nil
}
