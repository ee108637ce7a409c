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
	ds, err := checkRun(&cfg, resume, stderr)
	if err != nil {
		return nil, err
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
	if err := r.openOutputs(stderr); err != nil {
		return nil, err
	}
	return r, nil
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
	next, latents := r.inputs()
	q := queue{con: con, began: time.Now()}
	for r.prog.Step < r.total {
		step := queuedStep{step: r.prog.Step + 1, epoch: r.prog.Epoch}
		s, ok, err := r.gan.StepQueued(next, latents)
		if err != nil {
			return r.failed(q.failedStep(step, err), err)
		}
		r.prog.Step++
		r.prog.Epoch, r.prog.BatchIndex = r.loader.Position()
		q.waiting = append(q.waiting, step)
		if ok {
			if err := r.recordOldest(&q, s); err != nil {
				return err
			}
		}
		epochEnd := r.prog.Epoch != step.epoch
		last := r.prog.Step == r.total
		wroteSamples := sampleDue(r.cfg.SampleEvery, r.prog.Step, r.loader.BatchesPerEpoch(), epochEnd, last)
		stopping := ctx.Err() != nil
		checkpointDue := r.cfg.CheckpointEvery > 0 && r.prog.Step%r.cfg.CheckpointEvery == 0 || last || stopping
		if !epochEnd && !wroteSamples && !checkpointDue && !r.evalDue(r.prog.Step) {
			continue // its statistics are read once the next step is queued
		}
		// A grid, checkpoint, evaluation or figure needs this step's weights and numbers: its
		// statistics are read before anything is queued behind it.
		if err := r.flush(&q); err != nil {
			return err
		}
		if wroteSamples {
			if err := r.writeSamples(); err != nil {
				return err
			}
		}
		if checkpointDue {
			if err := r.checkpoint(); err != nil {
				return err
			}
		}
		if epochEnd || last {
			con.epoch(step.epoch, r.history)
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
