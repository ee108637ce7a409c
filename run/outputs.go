package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gogan/internal/atomicfile"
	"gogan/internal/plainfile"
	"gogan/metrics"
	"gogan/train"
)

// Record is one line of metrics.jsonl: the statistics of one generator step.
type Record struct {
	Step    int     `json:"step"`
	Epoch   int     `json:"epoch"`
	Seconds float64 `json:"seconds"` // wall time since the run (or its first resume) started
	train.Stats
	// LRG and LRD are the learning rates in force at the step, which a resume may change.
	LRG float32 `json:"lr_g"`
	LRD float32 `json:"lr_d"`
	// Augment and Mirror are the augmentation in force at the step, left out when off.
	Augment string `json:"augment,omitempty"`
	Mirror  bool   `json:"mirror,omitempty"`
	// Quality holds the metrics of gan eval at the steps where --eval-every measured them.
	Quality *metrics.Scores `json:"quality,omitempty"`
	// QualityEMA holds the same metrics of the averaged generator, when the run keeps one.
	QualityEMA *metrics.Scores `json:"quality_ema,omitempty"`
}

// metricsLog appends records to metrics.jsonl, one JSON object per line, each written whole
// with one write; a write that fails part way is cut off again, so that a full disk leaves
// no torn line behind.
type metricsLog struct {
	f    appendFile
	size int64
	buf  []byte
}

// appendFile is what metricsLog needs of its file; tests put a failing disk in its place.
type appendFile interface {
	io.WriteCloser
	Truncate(size int64) error
}

// openMetrics opens path for appending. When resuming at step, lines of later steps (written
// after the checkpoint by a run that then died) are dropped first, so the log matches the
// weights; lines that do not parse, such as one torn by a full disk, are dropped with a
// warning on log, since the checkpoint and not the log is what a resume needs. The file is
// rewritten atomically for that.
func openMetrics(path string, resumeStep int, log io.Writer) (*metricsLog, []Record, error) {
	var kept []Record
	if resumeStep > 0 {
		old, damaged, err := readMetrics(path)
		if err != nil && !os.IsNotExist(err) {
			return nil, nil, err
		}
		if len(damaged) > 0 {
			what := "1 damaged line (line"
			if len(damaged) > 1 {
				what = fmt.Sprintf("%d damaged lines (lines", len(damaged))
			}
			fmt.Fprintf(log, "warning: %s: left out %s %s)\n", path, what, joinInts(damaged))
		}
		var buf []byte
		for _, r := range old {
			if r.Step <= resumeStep {
				kept = append(kept, r)
				line, _ := json.Marshal(r)
				buf = append(append(buf, line...), '\n')
			}
		}
		if err := atomicfile.WriteFile(path, buf, 0o644); err != nil {
			return nil, nil, err
		}
	}
	if err := plainfile.CheckIfExists(path); err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("metrics: %w", err)
	}
	return &metricsLog{f: f, size: st.Size()}, kept, nil
}

func (m *metricsLog) append(r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	m.buf = append(append(m.buf[:0], line...), '\n')
	if _, err := m.f.Write(m.buf); err != nil {
		m.f.Truncate(m.size)
		return fmt.Errorf("metrics: %w", err)
	}
	m.size += int64(len(m.buf))
	return nil
}

func (m *metricsLog) close() error { return m.f.Close() }

// readMetrics reads metrics.jsonl; it returns the records of the lines that parse and the
// numbers of those that do not.
func readMetrics(path string) (out []Record, damaged []int, err error) {
	raw, err := plainfile.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	for i, line := range bytes.Split(raw, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var r Record
		if err := json.Unmarshal(line, &r); err != nil {
			damaged = append(damaged, i+1)
			continue
		}
		out = append(out, r)
	}
	return out, damaged, nil
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

var stepFile = regexp.MustCompile(`^step_(\d+)\.(safetensors|png)$`)

// stepFiles lists the files step_<n>.<ext> in dir, ordered by step.
func stepFiles(dir, ext string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	type sf struct {
		step int
		path string
	}
	var files []sf
	for _, e := range entries {
		m := stepFile.FindStringSubmatch(e.Name())
		if m == nil || m[2] != ext {
			continue
		}
		n, err := strconv.Atoi(m[1])
		if err != nil {
			continue
		}
		files = append(files, sf{n, filepath.Join(dir, e.Name())})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].step < files[j].step })
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.path
	}
	return out, nil
}

// pruneCheckpoints removes all but the newest keep step checkpoints that run runID wrote up
// to step: a file of another run, or of a later step, is never this run's to delete.
func pruneCheckpoints(dir string, keep int, runID string, step int) error {
	files, err := stepFiles(dir, "safetensors")
	if err != nil {
		return err
	}
	var own []string
	for _, p := range files {
		if fileStep(p) <= step && checkpointRunID(p) == runID {
			own = append(own, p)
		}
	}
	for len(own) > keep {
		if err := os.Remove(own[0]); err != nil {
			return fmt.Errorf("prune checkpoints: %w", err)
		}
		own = own[1:]
	}
	return nil
}

// linkLatest points dir/latest.safetensors at path atomically: a hard link under a temporary
// name renamed over the old one, falling back to a copy where links are not supported.
func linkLatest(path string) error {
	latest := filepath.Join(filepath.Dir(path), "latest.safetensors")
	tmp := latest + ".tmp-link"
	os.Remove(tmp)
	if err := os.Link(path, tmp); err == nil {
		if err := os.Rename(tmp, latest); err != nil {
			return fmt.Errorf("latest checkpoint: %w", err)
		}
		return nil
	}
	data, err := plainfile.ReadFile(path)
	if err != nil {
		return fmt.Errorf("latest checkpoint: %w", err)
	}
	return atomicfile.WriteFile(latest, data, 0o644)
}

// sampleDue says whether a sample grid is written after step: every sampleEvery steps, at
// the end of an epoch only when epochs are at least sampleEvery steps long (a small image
// folder would otherwise write one every few steps), and at the last step; never when
// sampleEvery is 0.
func sampleDue(sampleEvery, step, perEpoch int, epochEnd, last bool) bool {
	switch {
	case sampleEvery <= 0:
		return false
	case step%sampleEvery == 0 || last:
		return true
	default:
		return epochEnd && perEpoch >= sampleEvery
	}
}

// maxGIFFrames bounds progress.gif: a long run shows evenly spaced frames.
const maxGIFFrames = 120

// gifFrames loads the sample grids of dir, at most maxGIFFrames evenly spaced, the last
// always included.
func gifFrames(dir string) ([]image.Image, error) {
	files, err := stepFiles(dir, "png")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // samples/ was deleted: no frames to animate
	}
	if err != nil {
		return nil, err
	}
	if len(files) > maxGIFFrames {
		var picked []string
		for i := 0; i < maxGIFFrames; i++ {
			picked = append(picked, files[i*(len(files)-1)/(maxGIFFrames-1)])
		}
		files = slices.Compact(picked)
	}
	frames := make([]image.Image, 0, len(files))
	for _, p := range files {
		f, err := plainfile.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted since the folder was listed
		}
		if err != nil {
			return nil, err
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		frames = append(frames, img)
	}
	return frames, nil
}
