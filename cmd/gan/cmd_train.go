package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gogan/nn"
	"gogan/run"
)

func init() {
	register("train", "train a DCGAN on a dataset or an image folder", runTrain)
}

// trainFlags are the values of gan train's flags once parsed.
type trainFlags struct {
	cfg    run.Config
	resume string
}

// newTrainFlags defines every flag of gan train (trainFlagTable) on a new flag set.
func newTrainFlags(stderr io.Writer) (*flag.FlagSet, *trainFlags) {
	fs := newFlagSet("train", stderr)
	f := &trainFlags{}
	for i := range trainFlagTable {
		trainFlagTable[i].bind(fs, &f.cfg, &f.resume)
	}
	return fs, f
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs, flags := newTrainFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, resumePath := flags.cfg, flags.resume
	if p, err := nn.ParseAugmentPolicy(cfg.Augment); err == nil {
		cfg.Augment = p.String() // one spelling per policy; Validate names a bad one
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var resume *run.Checkpoint
	if resumePath != "" {
		ck, err := openCheckpoint("--resume", resumePath)
		if err != nil {
			return err
		}
		base, err := resumeConfig(fs, set, cfg, ck)
		if err != nil {
			return err
		}
		if !set["out"] {
			// Continue in the run folder that holds the checkpoint, if it is in one.
			if base.Out, err = run.RunFolderOf(ck); err != nil {
				return err
			}
		}
		if base.Dataset, err = resumeDataset(set["dataset"], cfg, base); err != nil {
			return err
		}
		cfg, resume = base, ck
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join("runs", fmt.Sprintf("%s-%s", sanitize(cfg.Dataset), time.Now().Format("20060102-150405")))
	}
	if resume == nil {
		var err error
		if cfg.Dataset, err = absDataset(cfg.Dataset); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.TF32 && cfg.Device != "cuda" {
		return fmt.Errorf("--tf32 is for --device cuda; the %s backend computes in float32", cfg.Device)
	}
	b, err := newBackendTF32(cfg.Device, cfg.TF32)
	if err != nil {
		return err
	}
	ctx, stop := stopOnSignal(stderr,
		"stopping: finishing this step and saving a checkpoint (Ctrl-C twice more aborts without it)",
		"still saving the checkpoint; one more Ctrl-C aborts without it",
		"gan train: aborted; the checkpoint of this step was not written, earlier ones are intact")
	defer stop()
	return run.Run(ctx, cfg, resume, b, stdout, stderr)
}

// sanitize makes a dataset name or folder path usable in a run folder's name.
func sanitize(s string) string {
	s = strings.TrimRight(s, "/")
	s = filepath.Base(s)
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r == os.PathSeparator {
			return '_'
		}
		return r
	}, s)
}

// openCheckpoint loads the checkpoint that flag names: a file, or a run folder's latest.
func openCheckpoint(flag, path string) (*run.Checkpoint, error) {
	file, err := latestInRunFolder(flag, path)
	if err != nil {
		return nil, err
	}
	return run.LoadCheckpoint(file)
}

// latestInRunFolder turns a run folder (or its checkpoints folder) given to flag into
// the latest checkpoint inside it; a file is returned as it is.
func latestInRunFolder(flag, path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return path, nil // LoadCheckpoint names what is wrong with a file
	}
	for _, p := range []string{filepath.Join(path, "checkpoints", "latest.safetensors"), filepath.Join(path, "latest.safetensors")} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %s: a folder without checkpoints/latest.safetensors; give a run folder or a checkpoint file", flag, path)
}
