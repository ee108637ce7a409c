package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gogan/data"
	"gogan/nn"
	"gogan/run"
	"gogan/train"
)

func init() {
	register("train", "train a DCGAN on a dataset or an image folder", runTrain)
}

// bindTrainFlags binds the flags of gan train, but for the float ones, to a configuration,
// with the defaults of Radford et al.
func bindTrainFlags(fs *flag.FlagSet, c *run.Config, resume *string) {
	fs.StringVar(&c.Dataset, "dataset", "fashion-mnist", "dataset name ("+strings.Join(data.Names(), ", ")+") or a folder of images")
	fs.StringVar(&c.Data, "data", "", "folder holding the dataset's files (default: $GOGAN_DATA/<name>, ./data/<name>, then system locations)")
	fs.StringVar(&c.Split, "split", "train", "which split of a named dataset to train on: train or test")
	fs.IntVar(&c.ImageSize, "image-size", 0, "side of the square training images; 0 keeps the dataset's (or the architecture's)")
	fs.StringVar(&c.Arch, "arch", "auto", "architecture: auto (from the image size), dcgan28 or dcgan64")
	fs.IntVar(&c.NZ, "nz", 100, "size of the latent vector z")
	fs.IntVar(&c.NGF, "ngf", 64, "generator width")
	fs.IntVar(&c.NDF, "ndf", 64, "discriminator width")
	fs.IntVar(&c.NC, "nc", 0, "image channels, 1 or 3; 0 takes the dataset's")
	fs.IntVar(&c.BatchSize, "batch-size", 64, "images per batch")
	fs.IntVar(&c.Epochs, "epochs", 25, "passes over the training set")
	fs.IntVar(&c.Steps, "steps", 0, "stop after this many generator steps, overriding --epochs (0: use --epochs)")
	fs.StringVar(&c.Loss, "loss", "nonsaturating", "objective: nonsaturating, minimax, lsgan, hinge or wgan")
	fs.IntVar(&c.DSteps, "d-steps", 1, "discriminator updates per generator update (k of the GAN paper)")
	fs.BoolVar(&c.Conditional, "conditional", false, "train class-conditional G and D on the data's labels (a named dataset's, or a folder's class subfolders)")
	fs.StringVar(&c.Augment, "augment", "none", "DiffAugment's transformations of D's real and fake inputs: a comma-separated list of color, translation, cutout, or none")
	fs.BoolVar(&c.Mirror, "mirror", false, "flip real images left to right at random")
	fs.Uint64Var(&c.Seed, "seed", 1, "random seed: the same seed gives the same run")
	fs.StringVar(&c.Device, "device", defaultDevice, "cpu or cuda")
	fs.BoolVar(&c.TF32, "tf32", false, "on the GPU, let matrix products use TensorFloat-32 tensor cores: faster, with a 10-bit mantissa in the products")
	fs.StringVar(&c.Out, "out", "", "output folder (default runs/<dataset>-<timestamp>)")
	fs.IntVar(&c.EvalEvery, "eval-every", 0, "score G with gan eval's metrics every N steps into metrics.jsonl and loss.png (0: never)")
	fs.IntVar(&c.EvalN, "eval-n", 2000, "images per --eval-every evaluation")
	fs.IntVar(&c.SampleEvery, "sample-every", 500, "write a sample grid every N steps, at the end of each epoch of at least N steps, and at the last step (0: never)")
	fs.IntVar(&c.CheckpointEvery, "checkpoint-every", 1000, "write a checkpoint every N steps (0: only at the end)")
	fs.IntVar(&c.Keep, "keep", 3, "step checkpoints to keep")
	fs.StringVar(resume, "resume", "", "continue from this checkpoint, or from a run folder's latest (its configuration is used)")
	fs.BoolVar(&c.Overwrite, "overwrite", false, "train into an --out that holds another run, moving that run to <out>.replaced-<time>")
}

// trainFlags are the values of gan train's flags once parsed.
type trainFlags struct {
	cfg                    run.Config
	resume                 string
	lr, beta1, beta2, clip *float64
	emaDecay               *float64
	cudaGraph              *bool
	tensorBoard            *bool
}

// newTrainFlags defines every flag of gan train on a new flag set.
func newTrainFlags(stderr io.Writer) (*flag.FlagSet, *trainFlags) {
	fs := newFlagSet("train", stderr)
	f := &trainFlags{}
	f.lr = fs.Float64("lr", 2e-4, "Adam learning rate of both networks")
	f.beta1 = fs.Float64("beta1", 0.5, "Adam β1")
	f.beta2 = fs.Float64("beta2", 0.999, "Adam β2")
	f.clip = fs.Float64("clip", 0, "WGAN weight clipping of the critic (0: 0.01 with --loss wgan, none otherwise)")
	f.emaDecay = fs.Float64("ema-decay", train.DefaultEMADecay, "decay of the moving average of G's weights that samples, evaluations and checkpoints use (0: none)")
	fs.StringVar(&f.cfg.EMAStats, "ema-stats", train.EMAStatsRecomputed, "BatchNorm statistics of the averaged generator: recomputed from its own batches before each use, or averaged from the trained generator's with its weights")
	f.tensorBoard = fs.Bool("tensorboard", true, "write TensorBoard event files into <out>/tb as the run goes (losses, D's outputs, evaluations, sample grids, configuration)")
	f.cudaGraph = fs.Bool("cuda-graph", true, "on the GPU, record the training step once as a CUDA graph and replay it (same results, fewer launches)")
	bindTrainFlags(fs, &f.cfg, &f.resume)
	return fs, f
}

// config is the configuration the parsed flags give, the float ones at float32.
func (f *trainFlags) config() run.Config {
	cfg := f.cfg
	cfg.LR, cfg.Beta1, cfg.Beta2, cfg.Clip = float32(*f.lr), float32(*f.beta1), float32(*f.beta2), float32(*f.clip)
	cfg.EMADecay = float32(*f.emaDecay)
	if p, err := nn.ParseAugmentPolicy(cfg.Augment); err == nil {
		cfg.Augment = p.String() // one spelling per policy; Validate names a bad one
	}
	return cfg
}

func runTrain(args []string, stdout, stderr io.Writer) error {
	fs, flags := newTrainFlags(stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, resumePath := flags.config(), flags.resume
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
		cfg, resume = base, ck
	}
	cfg.ReplaySteps = *flags.cudaGraph
	cfg.TensorBoard = *flags.tensorBoard
	if cfg.Out == "" {
		cfg.Out = filepath.Join("runs", fmt.Sprintf("%s-%s", sanitize(cfg.Dataset), time.Now().Format("20060102-150405")))
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
