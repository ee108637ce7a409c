package main

import (
	"cmp"
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"gogan/data"
	"gogan/models"
	"gogan/run"
	"gogan/train"
)

// How a flag of gan train behaves when resuming.
type resumeKind int

const (
	// fixed: the checkpoint's configuration sets it; it may be given again, as people do by
	// adding --resume to the command line that started the run, only with the checkpoint's value.
	fixed resumeKind = iota
	// resumable: given, it overrides the checkpoint's setting (how long to train, where and
	// how often to write, on which device).
	resumable
	// notRecorded: a setting that no checkpoint holds (it changes no result), always the
	// command line's, given or not.
	notRecorded
)

// A trainFlag declares one flag of gan train: the flag set, the configuration it fills and the
// resume rules are all derived from these rows.
type trainFlag struct {
	name string
	// field points into the configuration at the setting: *string, *int, *uint64, *bool,
	// *float32 or **float32 (a setting that may be left unset). nil only for --resume, which
	// names the checkpoint rather than a setting.
	field func(c *run.Config) any
	def   any // the default, of the field's type (float32(2e-4), uint64(1), …); nil for **float32
	help  string
	kind  resumeKind
	// same compares a fixed flag's given setting with the checkpoint's, as the flag means it,
	// and spells the checkpoint's value for the message; nil compares the values as they are.
	same func(given, ck run.Config) (was string, same bool)
	// apply copies a resumable flag's setting into the checkpoint's configuration where that
	// is more than copying the field.
	apply func(base *run.Config, given run.Config)
}

// trainFlagTable is every flag of gan train, one row each. Adding a flag is adding a row (and
// the Config field it fills, with its JSON name): the row gives its name, default, help and
// what it does on resume; Config.Validate (run/config.go) checks its value, once, whichever way
// it came (command line, config.json, a checkpoint). The floats are float32, as the
// configuration keeps them, and refuse NaN and the infinities when parsed.
// TestResumeConfig gives every fixed row a changed value: add one to its table for a fixed flag.
var trainFlagTable = []trainFlag{
	// What to train on. Fixed by the checkpoint.
	{name: "dataset", field: func(c *run.Config) any { return &c.Dataset }, def: "fashion-mnist",
		help: "dataset name (" + strings.Join(data.Names(), ", ") + ") or a folder of images", same: sameDataset},
	{name: "split", field: func(c *run.Config) any { return &c.Split }, def: "train",
		help: "which split of a named dataset to train on: train or test"},
	{name: "image-size", field: func(c *run.Config) any { return &c.ImageSize }, def: 0,
		help: "side of the square training images; 0 keeps the dataset's (or the architecture's)",
		same: zeroOr(func(c run.Config) int { return c.ImageSize })},
	{name: "augment", field: func(c *run.Config) any { return &c.Augment }, def: "none", kind: resumable,
		help: "DiffAugment's transformations of D's real and fake inputs: a comma-separated list of color, translation, cutout, or none"},
	{name: "mirror", field: func(c *run.Config) any { return &c.Mirror }, def: false, kind: resumable,
		help: "flip real images left to right at random"},
	{name: "conditional", field: func(c *run.Config) any { return &c.Conditional }, def: false,
		help: "train class-conditional G and D on the data's labels (a named dataset's, or a folder's class subfolders)"},

	// The networks. Fixed.
	{name: "arch", field: func(c *run.Config) any { return &c.Arch }, def: "auto",
		help: "architecture: auto (from the image size), " + models.ArchNames, same: func(given, ck run.Config) (string, bool) {
			return ck.Arch, given.Arch == "auto" || given.Arch == ck.Arch // auto: what the data implies
		}},
	{name: "nz", field: func(c *run.Config) any { return &c.NZ }, def: 100, help: "size of the latent vector z"},
	{name: "ngf", field: func(c *run.Config) any { return &c.NGF }, def: 64, help: "generator width"},
	{name: "ndf", field: func(c *run.Config) any { return &c.NDF }, def: 64, help: "discriminator width"},
	{name: "nc", field: func(c *run.Config) any { return &c.NC }, def: 0, help: "image channels, 1 or 3; 0 takes the dataset's",
		same: zeroOr(func(c run.Config) int { return c.NC })},

	// How to train. Fixed.
	{name: "batch-size", field: func(c *run.Config) any { return &c.BatchSize }, def: 64, help: "images per batch"},
	{name: "loss", field: func(c *run.Config) any { return &c.Loss }, def: "nonsaturating",
		help: "objective: nonsaturating, minimax, lsgan, hinge or wgan"},
	{name: "d-steps", field: func(c *run.Config) any { return &c.DSteps }, def: 1,
		help: "discriminator updates per generator update (k of the GAN paper)"},
	{name: "clip", field: func(c *run.Config) any { return &c.Clip }, def: float32(0),
		help: "WGAN weight clipping of the critic (0: 0.01 with --loss wgan, none otherwise)"},
	{name: "ema-decay", field: func(c *run.Config) any { return &c.EMADecay }, def: float32(train.DefaultEMADecay),
		help: "decay of the moving average of G's weights that samples, evaluations and checkpoints use (0: none)"},
	{name: "ema-stats", field: func(c *run.Config) any { return &c.EMAStats }, def: train.EMAStatsRecomputed,
		help: "BatchNorm statistics of the averaged generator: recomputed from its own batches before each use, or averaged from the trained generator's with its weights",
		same: func(given, ck run.Config) (string, bool) {
			was := cmp.Or(ck.EMAStats, train.EMAStatsRecomputed) // empty in checkpoints from before the choice
			return was, given.EMAStats == was
		}},
	{name: "seed", field: func(c *run.Config) any { return &c.Seed }, def: uint64(1), help: "random seed: the same seed gives the same run"},

	// The optimisers. Resumable, for fine-tuning: a change is recorded in the configuration's
	// settings_history and each step's record in metrics.jsonl has the rates in force; Adam's
	// moments carry over. --lr, --beta1 and --beta2 set both networks', unless a network's own
	// flag is given too.
	{name: "lr", field: func(c *run.Config) any { return &c.LR }, def: float32(2e-4), kind: resumable,
		help: "Adam learning rate of both networks", apply: func(b *run.Config, c run.Config) { b.LR, b.LRG, b.LRD = c.LR, c.LRG, c.LRD }},
	{name: "beta1", field: func(c *run.Config) any { return &c.Beta1 }, def: float32(0.5), kind: resumable,
		help: "Adam β1", apply: func(b *run.Config, c run.Config) { b.Beta1, b.Beta1G, b.Beta1D = c.Beta1, c.Beta1G, c.Beta1D }},
	{name: "beta2", field: func(c *run.Config) any { return &c.Beta2 }, def: float32(0.999), kind: resumable,
		help: "Adam β2", apply: func(b *run.Config, c run.Config) { b.Beta2, b.Beta2G, b.Beta2D = c.Beta2, c.Beta2G, c.Beta2D }},
	{name: "lr-g", field: func(c *run.Config) any { return &c.LRG }, kind: resumable, help: "Adam learning rate of G (default: --lr)"},
	{name: "lr-d", field: func(c *run.Config) any { return &c.LRD }, kind: resumable, help: "Adam learning rate of D (default: --lr)"},
	{name: "beta1-g", field: func(c *run.Config) any { return &c.Beta1G }, kind: resumable, help: "Adam β1 of G (default: --beta1)"},
	{name: "beta1-d", field: func(c *run.Config) any { return &c.Beta1D }, kind: resumable, help: "Adam β1 of D (default: --beta1)"},
	{name: "beta2-g", field: func(c *run.Config) any { return &c.Beta2G }, kind: resumable, help: "Adam β2 of G (default: --beta2)"},
	{name: "beta2-d", field: func(c *run.Config) any { return &c.Beta2D }, kind: resumable, help: "Adam β2 of D (default: --beta2)"},

	// How long, where, how often. Resumable.
	{name: "epochs", field: func(c *run.Config) any { return &c.Epochs }, def: 25, help: "passes over the training set", kind: resumable,
		apply: func(b *run.Config, c run.Config) {
			b.Epochs, b.Steps = c.Epochs, c.Steps // --epochs without --steps lifts the checkpoint's step limit
		}},
	{name: "steps", field: func(c *run.Config) any { return &c.Steps }, def: 0, kind: resumable,
		help: "stop after this many generator steps, overriding --epochs (0: use --epochs)"},
	{name: "data", field: func(c *run.Config) any { return &c.Data }, def: "", kind: resumable,
		help: dataFlagHelp},
	{name: "device", field: func(c *run.Config) any { return &c.Device }, def: defaultDevice, help: "cpu or cuda", kind: resumable},
	{name: "tf32", field: func(c *run.Config) any { return &c.TF32 }, def: false, kind: resumable,
		help: "on the GPU, let matrix products use TensorFloat-32 tensor cores: faster, with a 10-bit mantissa in the products"},
	{name: "out", field: func(c *run.Config) any { return &c.Out }, def: "", kind: resumable,
		help: "output folder (default runs/<dataset>-<timestamp>)"},
	{name: "overwrite", field: func(c *run.Config) any { return &c.Overwrite }, def: false, kind: resumable,
		help: "train into an --out that holds another run, moving that run to <out>.replaced-<time>"},
	{name: "eval-every", field: func(c *run.Config) any { return &c.EvalEvery }, def: 0, kind: resumable,
		help: "score G with gan eval's metrics every N steps into metrics.jsonl and loss.png (0: never)"},
	{name: "eval-n", field: func(c *run.Config) any { return &c.EvalN }, def: 2000, kind: resumable, help: "images per --eval-every evaluation"},
	{name: "sample-every", field: func(c *run.Config) any { return &c.SampleEvery }, def: 500, kind: resumable,
		help: "write a sample grid every N steps, at the end of each epoch of at least N steps, and at the last step (0: never)"},
	{name: "checkpoint-every", field: func(c *run.Config) any { return &c.CheckpointEvery }, def: 1000, kind: resumable,
		help: "write a checkpoint every N steps (0: only at the end)"},
	{name: "keep", field: func(c *run.Config) any { return &c.Keep }, def: 3, kind: resumable, help: "step checkpoints to keep"},
	{name: "resume", def: "", kind: resumable,
		help: "continue from this checkpoint, or from a run folder's latest (its configuration is used)"},

	// Views of the run that change none of its results: not recorded.
	{name: "tensorboard", field: func(c *run.Config) any { return &c.TensorBoard }, def: true, kind: notRecorded,
		help: "write TensorBoard event files into <out>/tb as the run goes (losses, D's outputs, evaluations, sample grids, configuration)"},
	{name: "cuda-graph", field: func(c *run.Config) any { return &c.ReplaySteps }, def: true, kind: notRecorded,
		help: "on the GPU, record the training step once as a CUDA graph and replay it (same results, fewer launches)"},
}

// The help of flags that several commands share, said once.
const (
	dataFlagHelp       = "folder holding the dataset's files (default: $GOGAN_DATA/<name>, ./data/<name>, then system locations)"
	checkpointFlagHelp = "a gogan training checkpoint, or a run folder for its latest"
)

// trainFlagByName indexes trainFlagTable.
var trainFlagByName = func() map[string]*trainFlag {
	m := make(map[string]*trainFlag, len(trainFlagTable))
	for i := range trainFlagTable {
		m[trainFlagTable[i].name] = &trainFlagTable[i]
	}
	return m
}()

// bind defines the flag on fs, filling its field of c (or resume, for --resume) with its default.
func (f *trainFlag) bind(fs *flag.FlagSet, c *run.Config, resume *string) {
	if f.field == nil {
		fs.StringVar(resume, f.name, f.def.(string), f.help)
		return
	}
	switch p := f.field(c).(type) {
	case *string:
		fs.StringVar(p, f.name, f.def.(string), f.help)
	case *int:
		fs.IntVar(p, f.name, f.def.(int), f.help)
	case *uint64:
		fs.Uint64Var(p, f.name, f.def.(uint64), f.help)
	case *bool:
		fs.BoolVar(p, f.name, f.def.(bool), f.help)
	case *float32:
		*p = f.def.(float32)
		fs.Var(float32Value{p}, f.name, f.help)
	case **float32:
		*p = nil
		fs.Var(optFloat32Value{p}, f.name, f.help)
	default:
		panic(fmt.Sprintf("--%s: a field of type %T", f.name, p))
	}
}

// sameAsCheckpoint compares a fixed flag's setting in given with ck's.
func (f *trainFlag) sameAsCheckpoint(given, ck run.Config) (was string, same bool) {
	if f.same != nil {
		return f.same(given, ck)
	}
	a, b := f.field(&given), f.field(&ck)
	return formatSetting(b), formatSetting(a) == formatSetting(b)
}

// applyTo copies a resumable or unrecorded flag's setting from given into base.
func (f *trainFlag) applyTo(base *run.Config, given run.Config) {
	switch {
	case f.apply != nil:
		f.apply(base, given)
	case f.field != nil:
		copySetting(f.field(base), f.field(&given))
	}
}

// formatSetting spells a setting as its flag does, which is also how settings compare: two
// floats are the same when they are the same float32.
func formatSetting(p any) string {
	switch p := p.(type) {
	case *string:
		return *p
	case *int:
		return strconv.Itoa(*p)
	case *uint64:
		return strconv.FormatUint(*p, 10)
	case *bool:
		return strconv.FormatBool(*p)
	case *float32:
		return float32Value{p}.String()
	case **float32:
		return optFloat32Value{p}.String()
	}
	panic(fmt.Sprintf("a setting of type %T", p))
}

func copySetting(dst, src any) {
	switch d := dst.(type) {
	case *string:
		*d = *src.(*string)
	case *int:
		*d = *src.(*int)
	case *uint64:
		*d = *src.(*uint64)
	case *bool:
		*d = *src.(*bool)
	case *float32:
		*d = *src.(*float32)
	case **float32:
		*d = *src.(**float32)
	default:
		panic(fmt.Sprintf("a setting of type %T", dst))
	}
}

// sameDataset compares folders as cleaned absolute paths and named datasets without case. A
// folder recorded relative to a directory other than this one cannot be compared: the folder
// given is taken.
func sameDataset(given, ck run.Config) (string, bool) {
	if data.IsFolder(given.Dataset) || data.IsFolder(ck.Dataset) {
		if !filepath.IsAbs(ck.Dataset) && !foundHere(ck.Dataset) {
			return ck.Dataset, data.IsFolder(given.Dataset)
		}
		g, err1 := absDataset(given.Dataset)
		c, err2 := absDataset(ck.Dataset)
		return ck.Dataset, err1 == nil && err2 == nil && g == c
	}
	return ck.Dataset, strings.EqualFold(given.Dataset, ck.Dataset)
}

// zeroOr compares a setting whose 0 stands for what the data implies.
func zeroOr(field func(run.Config) int) func(given, ck run.Config) (string, bool) {
	return func(given, ck run.Config) (string, bool) {
		return strconv.Itoa(field(ck)), field(given) == 0 || field(given) == field(ck)
	}
}
