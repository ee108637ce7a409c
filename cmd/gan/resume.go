package main

import (
	"cmp"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gogan/data"
	"gogan/train"
)

// resumeConfig is the checkpoint's configuration with the resumable flags that were given
// applied. A fixed setting may be given again, as people do by adding --resume to the
// command line that started the run, as long as its value is the checkpoint's.
func resumeConfig(fs *flag.FlagSet, set map[string]bool, cfg train.Config, ck *train.Checkpoint) (train.Config, error) {
	base := ck.Config
	for name := range set {
		if resumable[name] {
			continue
		}
		given := fs.Lookup(name).Value.String()
		if was, same := sameSetting(name, given, base); !same {
			return base, fmt.Errorf("--%s cannot change when resuming: was %s, now %s (the checkpoint's configuration is used)", name, was, given)
		}
	}
	for name := range set {
		switch name {
		case "epochs":
			base.Epochs, base.Steps = cfg.Epochs, 0
		case "steps":
			base.Steps = cfg.Steps
		case "out":
			base.Out = cfg.Out
		case "sample-every":
			base.SampleEvery = cfg.SampleEvery
		case "checkpoint-every":
			base.CheckpointEvery = cfg.CheckpointEvery
		case "keep":
			base.Keep = cfg.Keep
		case "eval-every":
			base.EvalEvery = cfg.EvalEvery
		case "eval-n":
			base.EvalN = cfg.EvalN
		case "device":
			base.Device = cfg.Device
		case "tf32":
			base.TF32 = cfg.TF32
		case "data":
			base.Data = cfg.Data
		case "overwrite":
			base.Overwrite = cfg.Overwrite
		}
	}
	return base, nil
}

// sameSetting compares a fixed flag's given value with the checkpoint's, as the flag means
// it: 0 and auto stand for what the data implies, numbers compare as numbers.
func sameSetting(name, given string, ck train.Config) (was string, same bool) {
	num := func(v int) (string, bool) {
		n, err := strconv.Atoi(given)
		return strconv.Itoa(v), err == nil && n == v
	}
	float := func(v float32) (string, bool) {
		f, err := strconv.ParseFloat(given, 64)
		return strconv.FormatFloat(float64(v), 'g', -1, 32), err == nil && float32(f) == v
	}
	switch name {
	case "dataset":
		if data.IsFolder(given) || data.IsFolder(ck.Dataset) {
			return ck.Dataset, filepath.Clean(given) == filepath.Clean(ck.Dataset)
		}
		return ck.Dataset, strings.EqualFold(given, ck.Dataset)
	case "split":
		return ck.Split, given == ck.Split
	case "arch":
		return ck.Arch, given == "auto" || given == ck.Arch
	case "image-size":
		was, same := num(ck.ImageSize)
		return was, same || given == "0"
	case "nc":
		was, same := num(ck.NC)
		return was, same || given == "0"
	case "nz":
		return num(ck.NZ)
	case "ngf":
		return num(ck.NGF)
	case "ndf":
		return num(ck.NDF)
	case "batch-size":
		return num(ck.BatchSize)
	case "d-steps":
		return num(ck.DSteps)
	case "loss":
		return ck.Loss, given == ck.Loss
	case "seed":
		return strconv.FormatUint(ck.Seed, 10), given == strconv.FormatUint(ck.Seed, 10)
	case "lr":
		return float(ck.LR)
	case "beta1":
		return float(ck.Beta1)
	case "beta2":
		return float(ck.Beta2)
	case "clip":
		return float(ck.Clip)
	case "ema-decay":
		return float(ck.EMADecay)
	case "ema-stats":
		was := cmp.Or(ck.EMAStats, train.EMAStatsRecomputed)
		return was, given == was
	}
	return "?", false
}
