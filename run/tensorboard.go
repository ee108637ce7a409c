package run

import (
	"bytes"
	"fmt"
	"gogan/internal/plainfile"
	"image/color"
	"image/png"
	"io"
	"path/filepath"

	"gogan/metrics"
	"gogan/tensorboard"
)

// tbLog writes a run's TensorBoard event files under <out>/tb: each step's losses and D's
// outputs, the evaluations, the sample grids and the configuration. TensorBoard is a view of
// the run, not part of it: the first failed write (a full disk, say) is reported once and
// ends the logging, and training goes on with its own files (metrics.jsonl, samples/, the
// checkpoints), from which nothing is lost.
type tbLog struct {
	w      *tensorboard.Writer
	stderr io.Writer
}

// tbDir is where a run's event files live; `tensorboard --logdir runs` shows every run.
func tbDir(out string) string { return filepath.Join(out, "tb") }

// openTBLog opens the run's event files at step, the checkpoint's step on resume (later
// events of the interrupted run are dropped), and records the configuration there.
func openTBLog(cfg Config, step int, stderr io.Writer) (*tbLog, error) {
	w, err := tensorboard.Open(tbDir(cfg.Out), int64(step))
	if err != nil {
		return nil, fmt.Errorf("tensorboard: %w (--tensorboard=false trains without it)", err)
	}
	l := &tbLog{w: w, stderr: stderr}
	l.do(func() error {
		return w.Text(tensorboard.TagConfig, int64(step), "```json\n"+MarshalConfig(cfg)+"\n```")
	})
	return l, nil
}

// do runs one write, and on its first failure reports it and stops logging.
func (l *tbLog) do(write func() error) {
	if l == nil || l.w == nil {
		return
	}
	if err := write(); err != nil {
		fmt.Fprintf(l.stderr, "warning: tensorboard: %v; training goes on without it\n", err)
		l.w.Close()
		l.w = nil
	}
}

// step records one step's statistics, and its evaluation when it has one.
func (l *tbLog) step(rec Record) {
	s, step := rec.Stats, int64(rec.Step)
	l.do(func() error {
		for _, v := range []struct {
			tag string
			x   float64
		}{{tensorboard.TagLossD, s.LossD}, {tensorboard.TagLossG, s.LossG},
			{tensorboard.TagDReal, s.DReal}, {tensorboard.TagDFake, s.DFake}} {
			if err := l.w.Scalar(v.tag, step, v.x); err != nil {
				return err
			}
		}
		// The averaged generator is what samples and gan generate use, so its scores are the
		// run's; the trained G's, when both are scored, go under a tag of their own.
		q := rec.QualityEMA
		if q == nil {
			q = rec.Quality
		} else if err := l.scores(rec.Quality, step, "/G"); err != nil {
			return err
		}
		if err := l.scores(q, step, ""); err != nil {
			return err
		}
		return l.w.Flush()
	})
}

func (l *tbLog) scores(q *metrics.Scores, step int64, suffix string) error {
	if q == nil {
		return nil
	}
	for _, v := range []struct {
		tag string
		x   float64
	}{{tensorboard.TagFD, q.FrechetDistance}, {tensorboard.TagClassifierScore, q.ClassifierScore},
		{tensorboard.TagPrecision, q.Precision}, {tensorboard.TagRecall, q.Recall}} {
		if err := l.w.Scalar(v.tag+suffix, step, v.x); err != nil {
			return err
		}
	}
	return nil
}

// grid records the sample grid just written to path.
func (l *tbLog) grid(path string, step int) {
	l.do(func() error {
		b, err := plainfile.ReadFile(path)
		if err != nil {
			return err
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		channels := 4 // colour grids are NRGBA, grey ones Gray
		if cfg.ColorModel == color.GrayModel {
			channels = 1
		}
		if err := l.w.Image(tensorboard.TagSamples, int64(step), b, cfg.Width, cfg.Height, channels); err != nil {
			return err
		}
		return l.w.Flush()
	})
}

func (l *tbLog) close() {
	l.do(func() error {
		err := l.w.Close()
		l.w = nil
		return err
	})
}
