package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"gogan/data"
	"gogan/generate"
	"gogan/internal/atomicfile"
	"gogan/metrics"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// sampleCount is the number of fixed latents in each sample grid, 8×8.
const sampleCount, sampleRow = 64, 8

// headerClasses is how many classes the training header lists by name before it only counts.
const headerClasses = 10

// Run trains a GAN as cfg says, on backend b, writing its outputs under cfg.Out; resume, when
// not nil, is the checkpoint to continue from (cfg then comes from it). Cancelling ctx stops
// the run after the current step with a checkpoint and an InterruptedError.
func Run(ctx context.Context, cfg Config, resume *Checkpoint, b nn.Backend, stdout, stderr io.Writer) error {
	r, err := newRun(ctx, cfg, resume, b, stderr)
	if err != nil {
		return err
	}
	defer r.close()
	return r.loop(ctx, stdout, stderr)
}

type run struct {
	cfg     Config
	b       nn.Backend
	ds      *data.Dataset
	loader  *data.Loader
	gan     *train.GAN
	prog    Progress
	total   int
	zFixed  *nn.Tensor
	metrics *metricsLog
	history []Record
	ckDir   string
	lastCk  string
	folder  *runFolder
	eval    *metrics.Evaluator
	zEval   []float32
	tb      *tbLog // nil with --tensorboard=false
	ckHost  *hostBuffers
}

func newRun(ctx context.Context, cfg Config, resume *Checkpoint, b nn.Backend, stderr io.Writer) (_ *run, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := checkOutOutsideData(cfg); err != nil {
		return nil, err
	}
	if resume != nil {
		cfg.recordOptimiserChange(resume.Config, resume.Progress.Step)
	}
	if cfg.EvalEvery > 0 {
		if err := metrics.CheckDataset(cfg.Dataset); err != nil {
			return nil, fmt.Errorf("--eval-every: %w", err)
		}
	}
	ds, err := openDataset(&cfg, stderr)
	if err != nil {
		return nil, err
	}
	if err := settleClasses(&cfg, ds); err != nil {
		return nil, err
	}
	if cfg.BatchSize > ds.Len() {
		return nil, fmt.Errorf("batch size %d is larger than the %d images of %s", cfg.BatchSize, ds.Len(), ds.Name)
	}
	if err := checkMemory(cfg, 0); err != nil {
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
	r := &run{cfg: cfg, b: b, ds: ds, ckDir: filepath.Join(cfg.Out, "checkpoints")}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if cfg.EvalEvery > 0 { // before the run folder, so that a failure leaves none behind
		if err := r.openEvaluator(ctx, stderr); err != nil {
			return nil, err
		}
	}
	if r.folder, err = openRunFolder(&r.cfg, resume, stderr); err != nil {
		return nil, err
	}
	cfg = r.cfg
	if r.gan, err = BuildGAN(cfg, b); err != nil {
		return nil, err
	}
	r.ckHost = newHostBuffers(r.gan)
	r.prog = NewProgress(cfg.Seed)
	if resume != nil {
		if err := resume.Restore(r.gan); err != nil {
			return nil, err
		}
		r.prog = resume.Progress
		r.lastCk = resume.Path
	}
	policy, _ := nn.ParseAugmentPolicy(cfg.Augment) // checked by Validate
	r.gan.SetAugment(policy, rand.New(r.prog.AugmentRNG))
	if r.loader, err = data.NewLoader(ds, cfg.BatchSize, cfg.Seed, true); err != nil {
		return nil, err
	}
	if err := r.loader.Seek(r.prog.Epoch, r.prog.BatchIndex); err != nil {
		return nil, err
	}
	r.total = cfg.Steps
	if r.total == 0 {
		if cfg.Epochs > MaxSteps/r.loader.BatchesPerEpoch() {
			return nil, fmt.Errorf("%d epochs of %d steps are more than the %d steps a run may take", cfg.Epochs, r.loader.BatchesPerEpoch(), MaxSteps)
		}
		r.total = cfg.Epochs * r.loader.BatchesPerEpoch()
	}
	if r.metrics, r.history, err = openMetrics(filepath.Join(cfg.Out, "metrics.jsonl"), r.prog.Step, stderr); err != nil {
		return nil, err
	}
	zHost, count := train.GridLatents(cfg.Seed, sampleCount, cfg.NZ, cfg.Model().Classes, sampleRow)
	if err := r.gan.Sampler().Reserve(count); err != nil {
		return nil, err
	}
	r.zFixed = b.New(append(nn.Shape{count}, r.gan.G.InShape()...)...)
	b.Upload(r.zFixed, zHost)
	if err := atomicfile.WriteFile(filepath.Join(cfg.Out, "config.json"), []byte(MarshalConfig(cfg)+"\n"), 0o644); err != nil {
		return nil, err
	}
	if cfg.TensorBoard {
		if r.tb, err = openTBLog(cfg, r.prog.Step, stderr); err != nil {
			return nil, err
		}
	}
	return r, nil
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

// BuildGAN makes G and D as cfg says, with DCGAN initialisation from the seed.
func BuildGAN(cfg Config, b nn.Backend) (*train.GAN, error) {
	h, err := cfg.Hyper()
	if err != nil {
		return nil, err
	}
	gs, err := models.Generator(cfg.Model())
	if err != nil {
		return nil, err
	}
	ds, err := models.Discriminator(cfg.Model())
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, train.StreamInit))
	g, err := models.Build(b, gs, cfg.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	d, err := models.Build(b, ds, cfg.BatchSize, rng)
	if err != nil {
		return nil, err
	}
	models.InitDCGAN(g, rng)
	models.InitDCGAN(d, rng)
	gan, err := train.New(b, g, d, h, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	if err := buildEMA(cfg, gan, b); err != nil {
		return nil, err
	}
	if cfg.ReplaySteps {
		gan.UseGraphs()
	}
	// Device backends report allocation failures here rather than mid-run.
	return gan, b.Sync()
}

func (r *run) close() {
	if r.gan != nil {
		r.gan.Close()
	}
	if r.loader != nil {
		r.loader.Close()
	}
	if r.metrics != nil {
		r.metrics.close()
	}
	r.tb.close()
	r.folder.release()
}

func (r *run) loop(ctx context.Context, stdout, stderr io.Writer) error {
	if r.prog.Step == 0 {
		if err := r.writeReal(); err != nil {
			return err
		}
	}
	c, h, w := r.ds.Shape()
	start := "training"
	if r.prog.Step > 0 {
		start = fmt.Sprintf("resuming at step %d from %s:", r.prog.Step, r.lastCk)
	}
	fmt.Fprintf(stderr, "%s %s (nz %d, ngf %d, ndf %d) on %s, %d images of %d×%d×%d from %s; device %s; outputs in %s\n",
		start, r.cfg.Arch, r.cfg.NZ, r.cfg.NGF, r.cfg.NDF, r.ds.Name, r.ds.Len(), c, h, w, r.ds.Source, r.cfg.Device, r.cfg.Out)
	if counts := r.ds.ClassCounts(); counts != nil {
		fmt.Fprintf(stderr, "classes: %s\n", data.ClassSummary(r.ds.Names(), counts, headerClasses))
	}
	var floor *metrics.Scores
	if r.eval != nil {
		b := r.eval.Baseline()
		floor = &b
	}
	con := newConsole(stderr, r.total, r.prog.Step, r.loader.BatchesPerEpoch(), floor)
	defer con.finish()
	zrng, mirror := rand.New(r.prog.ZRNG), rand.New(r.prog.MirrorRNG)
	latents := func(dst []float32) { train.SampleLatents(dst, zrng) }
	var labels []uint8
	next := func() (train.Batch, error) {
		images, _, ok := r.loader.Next()
		if !ok {
			if err := r.loader.Err(); err != nil {
				return train.Batch{}, err
			}
			return train.Batch{}, errors.New("data loader closed")
		}
		if r.cfg.Mirror {
			sh := images.Shape()
			data.MirrorBatch(images.Data().([]float32), sh[0], sh[1], sh[2], sh[3], mirror)
		}
		if r.gan.Classes > 0 {
			labels = r.loader.Labels(labels)
		}
		return train.Batch{Images: images.Data().([]float32), N: images.Shape()[0], Labels: labels}, nil
	}
	began := time.Now()
	for r.prog.Step < r.total {
		epoch := r.prog.Epoch
		s, err := r.gan.Step(next, latents)
		if err != nil {
			return r.failed(err)
		}
		r.prog.Step++
		r.prog.Epoch, r.prog.BatchIndex = r.loader.Position()
		rec := Record{Step: r.prog.Step, Epoch: epoch, Seconds: time.Since(began).Seconds(), Stats: s,
			LRG: r.gan.OptG.Adam.LR, LRD: r.gan.OptD.Adam.LR}
		if r.eval != nil && (r.prog.Step%r.cfg.EvalEvery == 0 || r.prog.Step == r.total) {
			if err = r.evaluate(&rec); err != nil {
				return err
			}
		}
		r.history = append(r.history, rec)
		if err := r.metrics.append(rec); err != nil {
			return err
		}
		r.tb.step(rec)
		con.step(rec)
		epochEnd := r.prog.Epoch != epoch
		last := r.prog.Step == r.total
		wroteSamples := sampleDue(r.cfg.SampleEvery, r.prog.Step, r.loader.BatchesPerEpoch(), epochEnd, last)
		if wroteSamples {
			if err := r.writeSamples(); err != nil {
				return err
			}
		}
		stopping := ctx.Err() != nil
		if r.cfg.CheckpointEvery > 0 && r.prog.Step%r.cfg.CheckpointEvery == 0 || last || stopping {
			if err := r.checkpoint(); err != nil {
				return err
			}
		}
		if epochEnd || last {
			con.epoch(epoch, r.history)
			if err := r.writeFigures(); err != nil {
				return err
			}
		}
		if stopping && !last {
			return r.interrupted(ctx, con, epochEnd, wroteSamples)
		}
	}
	con.finish()
	fmt.Fprintf(stdout, "trained %s; outputs in %s; latest checkpoint %s\n", plural(r.prog.Step, "step"), r.cfg.Out, r.lastCk)
	return nil
}

func (r *run) checkpoint() error {
	path := filepath.Join(r.ckDir, fmt.Sprintf("step_%d.safetensors", r.prog.Step))
	save := func() error {
		if err := os.MkdirAll(r.ckDir, 0o755); err != nil { // checkpoints/ may have been deleted
			return err
		}
		return saveCheckpoint(path, r.gan, r.prog, r.cfg, r.ckHost)
	}
	err := save()
	if errors.Is(err, os.ErrNotExist) {
		err = save() // the folder went away during the write
	}
	if err != nil {
		if errors.Is(err, train.ErrNotFinite) {
			return r.diverged(err)
		}
		return err
	}
	r.lastCk = path
	if err := linkLatest(path); err != nil {
		return err
	}
	return pruneCheckpoints(r.ckDir, r.cfg.Keep, r.cfg.RunID, r.prog.Step)
}

// writeReal writes real_samples.png: a row of real images per class for labelled data, as
// the conditional sample grids have, otherwise the first images.
func (r *run) writeReal() error {
	_, err := data.WritePreview(filepath.Join(r.cfg.Out, "real_samples.png"), r.ds, sampleCount, sampleRow)
	return err
}

// writeSamples writes G's output (the averaged G's when there is one) on the fixed latents,
// BatchNorm in evaluation mode: a conditional G's grid has a row per class.
func (r *run) writeSamples() error {
	out := nn.ToDense(r.b, r.gan.Sampler().Forward(r.zFixed, false))
	path := filepath.Join(r.cfg.Out, "samples", fmt.Sprintf("step_%d.png", r.prog.Step))
	var rowNames []string
	if r.gan.Classes > 0 {
		rowNames = r.cfg.ClassNames
	}
	write := func() error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil { // samples/ may have been deleted
			return err
		}
		return generate.WriteGrid(path, out, sampleRow, rowNames)
	}
	err := write()
	if errors.Is(err, os.ErrNotExist) {
		err = write() // the folder went away during the write
	}
	if err != nil {
		return err
	}
	r.tb.grid(path, r.prog.Step)
	return nil
}

// writeFigures refreshes loss.png and progress.gif.
func (r *run) writeFigures() error {
	panels := LossPanels()
	if r.eval != nil {
		panels = append(panels, QualityPanel(r.eval.Baseline().FrechetDistance, r.gan.EMA != nil))
	}
	if err := WritePlot(filepath.Join(r.cfg.Out, "loss.png"), r.history, panels); err != nil {
		return err
	}
	frames, err := gifFrames(filepath.Join(r.cfg.Out, "samples"))
	if err != nil || len(frames) == 0 {
		return err // --sample-every 0 writes no grids, so no animation either
	}
	return data.WriteGIF(filepath.Join(r.cfg.Out, "progress.gif"), frames, 20)
}
