package run

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"

	"gogan/data"
	"gogan/internal/atomicfile"
	"gogan/metrics"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// checkRun checks a run's configuration and opens its dataset, refusing whatever can be
// refused before the run folder is touched.
func checkRun(cfg *Config, resume *Checkpoint, stderr io.Writer) (*data.Dataset, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkOutOutsideData(*cfg); err != nil {
		return nil, err
	}
	if resume != nil {
		cfg.recordSettingsChange(resume.Config, resume.Progress.Step)
	}
	if cfg.EvalEvery > 0 {
		if err := metrics.CheckDataset(cfg.Dataset); err != nil {
			return nil, fmt.Errorf("--eval-every: %w", err)
		}
	}
	ds, err := openDataset(cfg, stderr)
	if err != nil {
		return nil, err
	}
	if err := settleClasses(cfg, ds); err != nil {
		return nil, err
	}
	if cfg.BatchSize > ds.Len() {
		return nil, fmt.Errorf("batch size %d is larger than the %d images of %s", cfg.BatchSize, ds.Len(), ds.Name)
	}
	if err := checkMemory(*cfg, 0); err != nil {
		return nil, err
	}
	// A resume with nothing left to train is refused before the run folder is touched:
	// opening it moves a later line aside.
	if total := cfg.Steps; resume != nil {
		if total == 0 {
			total = cfg.Epochs * (ds.Len() / cfg.BatchSize)
		}
		if total <= resume.Progress.Step {
			return nil, fmt.Errorf("checkpoint %s is at step %d already; ask for more with --steps or --epochs (%d steps)", resume.Path, resume.Progress.Step, total)
		}
	}
	return ds, nil
}

// openOutputs opens what the run writes as it goes: metrics.jsonl (kept up to the resume
// step), the sample grids' fixed latents, config.json and the TensorBoard event files.
func (r *run) openOutputs(stderr io.Writer) (err error) {
	cfg, b := r.cfg, r.b
	if r.metrics, r.history, err = openMetrics(filepath.Join(cfg.Out, "metrics.jsonl"), r.prog.Step, stderr); err != nil {
		return err
	}
	zHost, count := train.GridLatents(cfg.Seed, sampleCount, cfg.NZ, cfg.Model().Classes, sampleRow)
	if err := r.gan.Sampler().Reserve(count); err != nil {
		return err
	}
	r.zFixed = b.New(append(nn.Shape{count}, r.gan.G.InShape()...)...)
	b.Upload(r.zFixed, zHost)
	if err := atomicfile.WriteFile(filepath.Join(cfg.Out, "config.json"), []byte(MarshalConfig(cfg)+"\n"), 0o644); err != nil {
		return err
	}
	if cfg.TensorBoard {
		if r.tb, err = openTBLog(cfg, r.prog.Step, stderr); err != nil {
			return err
		}
	}
	return nil
}

// openEvaluator prepares --eval-every: the dataset's or folder's feature extractor (trained
// on first use and cached), the real images and the latents every evaluation draws.
func (r *run) openEvaluator(ctx context.Context, log io.Writer) error {
	ev, err := metrics.NewEvaluator(metrics.Options{Dataset: r.cfg.Dataset, Dir: r.cfg.Data, Split: r.cfg.Split,
		N: r.cfg.EvalN, ExactN: true, Seed: r.cfg.Seed, Log: log, Context: ctx})
	if err != nil {
		return fmt.Errorf("--eval-every: %w", err)
	}
	r.eval = ev
	r.zEval = make([]float32, ev.N()*r.cfg.NZ)
	train.SampleLatents(r.zEval, rand.New(rand.NewPCG(r.cfg.Seed, train.StreamEval)))
	if k := r.cfg.Model().Classes; k > 0 {
		labels := make([]int, ev.N())
		for i := range labels {
			labels[i] = i % k
		}
		r.zEval = train.Conditioned(r.zEval, labels, k)
	}
	return nil
}

// openDataset opens the training images and settles the configuration's data-dependent
// fields: the image size, the channel count and, for --arch auto, the architecture.
func openDataset(cfg *Config, stderr io.Writer) (*data.Dataset, error) {
	size, from := cfg.ImageSize, "--image-size"
	switch {
	case size == 0 && cfg.Arch != "auto":
		size, from = models.Archs[cfg.Arch], cfg.Arch
	case size == 0:
		from = "" // the folder's most common size, which the report describes
	}
	spec := data.Spec{Name: cfg.Dataset, Dir: cfg.Data, Split: cfg.Split, ImageSize: size, SizeFrom: from, Channels: cfg.NC, Warn: stderr}
	if size == 0 {
		spec.Sizes = models.SortedImageSizes() // a folder is made the largest trainable size its images cover
	}
	if data.IsFolder(cfg.Dataset) {
		spec.Folder = cfg.Dataset
	}
	ds, err := data.Open(spec)
	if err != nil {
		return nil, err
	}
	c, h, w := ds.Shape()
	if h != w {
		return nil, fmt.Errorf("%s has %d×%d images; give --image-size to make them square", ds.Name, h, w)
	}
	if cfg.Arch == "auto" {
		if cfg.Arch, err = models.ArchForImageSize(h); err != nil {
			return nil, fmt.Errorf("%s: %w", ds.Name, err)
		}
	}
	if want := models.Archs[cfg.Arch]; h != want {
		return nil, fmt.Errorf("%s has %d×%d images but %s makes %d×%d; set --image-size %d", ds.Name, h, h, cfg.Arch, want, want, want)
	}
	cfg.ImageSize, cfg.NC = h, c
	return ds, nil
}
