package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"gogan/data"
	"gogan/metrics"
)

func init() {
	register("eval", "score a generator's images against real ones, next to the real-vs-real floor", runEval)
}

// evalRealSeed picks the real images: always the same, so that scores compare across runs
// and tools; --seed only draws the generator's latents.
const evalRealSeed = 1

type evalOptions struct {
	checkpoint, samples      string
	dataset, dataDir, split  string
	n                        int
	seed                     uint64
	asJSON, retrain          bool
	cache, device            string
	noEMA                    bool
	emaStats                 string
	extractor                string
	extractorSeed            uint64
	datasetGiven, splitGiven bool
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	var o evalOptions
	fs.StringVar(&o.checkpoint, "checkpoint", "", "score the generator of this gogan checkpoint (or a run folder's latest), on the dataset it trained on")
	fs.StringVar(&o.samples, "samples", "", "score these images: a folder of PNGs, an IDX file (gzip or raw), or an .npy N×C×H×W float32 in [-1, 1]")
	fs.StringVar(&o.dataset, "dataset", "", "with --samples, or alone for the real-vs-real baseline: the dataset to compare with (mnist, fashion-mnist, ...)")
	fs.StringVar(&o.dataDir, "data", "", dataFlagHelp)
	fs.StringVar(&o.split, "split", "", "with --dataset: the split the generator learnt from, train or test (default train, or test where there is no train split)")
	fs.IntVar(&o.n, "n", metrics.DefaultN, "images per set, generated and real (fewer when the data holds fewer)")
	fs.Uint64Var(&o.seed, "seed", 1, "with --checkpoint: seed of the latents")
	fs.BoolVar(&o.asJSON, "json", false, "print one JSON object with every metric")
	fs.BoolVar(&o.retrain, "retrain", false, "train the dataset's classifier again instead of using the cached one")
	fs.StringVar(&o.cache, "cache", "", "folder of the cached classifiers (default $GOGAN_CACHE, else the user cache folder's gogan)")
	fs.StringVar(&o.device, "device", defaultDevice, "cpu or cuda: where the generator and the classifier run (the classifier is trained on the CPU)")
	fs.BoolVar(&o.noEMA, "no-ema", false, "use the trained generator rather than the moving average of its weights that the checkpoint holds")
	fs.StringVar(&o.emaStats, "ema-stats", "stored", "BatchNorm statistics of the averaged generator: stored (as the checkpoint holds them, the way its run kept them), recomputed (from the average's own batches, as a run with --ema-stats recomputed keeps them) or generator (the trained generator's); to see what each is worth")
	fs.StringVar(&o.extractor, "extractor", "", "for an image folder: classes (a classifier of its class subfolders) or rotation (a rotation predictor, trained without labels); default classes where it has class subfolders")
	fs.Uint64Var(&o.extractorSeed, "extractor-seed", 0, "for an image folder: train (and cache apart) the extractor with this seed, to see how much the scores depend on it (default the recipe's, 1)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) {
		o.datasetGiven = o.datasetGiven || f.Name == "dataset"
		o.splitGiven = o.splitGiven || f.Name == "split"
	})
	return evaluate(o, stdout, stderr)
}

func evaluate(o evalOptions, stdout, stderr io.Writer) error {
	if err := checkEvalOptions(o); err != nil {
		return err
	}
	b, err := newBackend(o.device)
	if err != nil {
		return err
	}
	opts := metrics.Options{Dataset: o.dataset, Dir: o.dataDir, Split: o.split, N: o.n, Seed: evalRealSeed,
		CacheDir: o.cache, Retrain: o.retrain, Backend: b, Log: stderr, Task: o.extractor, ExtractorSeed: o.extractorSeed}
	var report metrics.Report
	switch {
	case o.checkpoint != "":
		ck, err := openCheckpoint("--checkpoint", o.checkpoint)
		if err != nil {
			return err
		}
		o.checkpoint = ck.Path
		opts.Dataset, opts.Split = ck.Config.Dataset, ck.Config.Split
		if opts.Dir == "" {
			opts.Dir = ck.Config.Data
		}
		g, err := loadEvalGenerator(b, ck, o)
		if err != nil {
			return err
		}
		ev, err := metrics.NewEvaluator(opts)
		if err != nil {
			return err
		}
		warnFewImages(stderr, ev.N())
		s, err := scoreCheckpoint(ev, g, ck, o.seed)
		if err != nil {
			return fmt.Errorf("%s: %w", o.checkpoint, err)
		}
		report = ev.Report(&s, fmt.Sprintf("the %s of %s (step %d), latents of seed %d", generatorName(ck, o), o.checkpoint, ck.Progress.Step, o.seed))
	case o.samples != "":
		images, err := data.ReadSamples(o.samples)
		if err != nil {
			return err
		}
		warnOutOfRange(stderr, o.samples, images)
		opts.N = min(opts.N, images.Shape()[0])
		ev, err := metrics.NewEvaluator(opts)
		if err != nil {
			return err
		}
		warnFewImages(stderr, ev.N())
		s, err := ev.ScoreImages(images)
		if err != nil {
			return fmt.Errorf("%s: %w", o.samples, err)
		}
		report = ev.Report(&s, o.samples)
	default:
		ev, err := metrics.NewEvaluator(opts)
		if err != nil {
			return err
		}
		warnFewImages(stderr, ev.N())
		report = ev.Report(nil, "")
	}
	if o.asJSON {
		return json.NewEncoder(stdout).Encode(report)
	}
	return report.WriteText(stdout)
}

// checkEvalOptions refuses contradictory or missing flags before any work is done.
func checkEvalOptions(o evalOptions) error {
	switch {
	case o.checkpoint != "" && o.samples != "":
		return errors.New("give --checkpoint or --samples, not both")
	case o.checkpoint != "" && (o.datasetGiven || o.splitGiven):
		return errors.New("--dataset and --split come from the checkpoint; give only --data if its files have moved")
	case o.checkpoint == "" && o.dataset == "":
		return errors.New("give --checkpoint, or --dataset with --samples (or --dataset alone for the real-vs-real baseline)")
	case o.n <= metrics.Neighbours:
		return fmt.Errorf("--n %d is too few; the metrics need at least %d images per set", o.n, metrics.Neighbours+1)
	case o.emaStats != "stored" && o.emaStats != "recomputed" && o.emaStats != "generator":
		return fmt.Errorf("--ema-stats must be stored, recomputed or generator, not %q", o.emaStats)
	case o.extractor != "" && o.extractor != metrics.TaskClasses && o.extractor != metrics.TaskRotation:
		return fmt.Errorf("--extractor must be %s or %s, not %q", metrics.TaskClasses, metrics.TaskRotation, o.extractor)
	case o.split != "" && o.split != "train" && o.split != "test":
		return fmt.Errorf("--split must be train or test, not %q", o.split)
	}
	return nil
}

// meaningfulN is about where precision and recall start to mean something: with fewer
// images, the k-nearest-neighbour balls of a few hundred points cover the features so
// loosely that even real against real scores far from 1, and two runs of one generator differ
// by more than two generators do.
const meaningfulN = 1000

func warnFewImages(stderr io.Writer, n int) {
	if n < meaningfulN {
		fmt.Fprintf(stderr, "gan eval: warning: with %d images per set, precision and recall (k = %d) are too rough to mean much; "+
			"read them only beside the real-vs-real floor of the same N, or give --n %d or more\n", n, metrics.Neighbours, meaningfulN)
	}
}
