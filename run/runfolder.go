package run

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gogan/checkpoints"
	"gogan/internal/atomicfile"
	"gogan/internal/plainfile"
)

// A run folder belongs to one run: a lock held for the run's whole life keeps a second
// process out, a fresh run refuses a folder that holds another run, and the run identity in
// config.json and in every checkpoint lets a run prune and move only the files it wrote.

// lockName is the file whose lock a run holds for its whole life.
const lockName = ".lock"

// runFolder is a run's output folder, locked while the run lives.
type runFolder struct {
	dir  string
	lock *os.File
}

func (f *runFolder) release() {
	if f != nil && f.lock != nil {
		f.lock.Close()
	}
}

// newRunID makes a run identity: random, so that copies of checkpoints from other runs never
// match it.
func newRunID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// outputNames are the files a run writes at the top of its folder.
var outputNames = []string{"config.json", "metrics.jsonl", "loss.png", "progress.gif", "real_samples.png"}

// RunFolderOf returns the run folder that holds a checkpoint: <run> for a checkpoint in
// <run>/checkpoints/ whose config.json names the checkpoint's run. Anywhere else continuing
// in place would write into a folder that is not a run's, so the caller must name one.
func RunFolderOf(ck *Checkpoint) (string, error) {
	abs, err := filepath.Abs(ck.Path)
	if err != nil {
		return "", err
	}
	parent := filepath.Dir(abs)
	run := filepath.Dir(parent)
	notInRun := fmt.Errorf("checkpoint %s is not inside a run folder's checkpoints/; give --out with a new folder to continue training in", ck.Path)
	if filepath.Base(parent) != "checkpoints" {
		return "", notInRun
	}
	config := filepath.Join(run, "config.json")
	if err := plainfile.CheckIfExists(config); err != nil {
		return "", fmt.Errorf("run folder of checkpoint %s: %w", ck.Path, err)
	}
	raw, err := plainfile.ReadFile(config)
	if err != nil {
		return "", notInRun
	}
	cfg, err := UnmarshalConfig(string(raw))
	if err != nil || cfg.RunID != ck.Config.RunID {
		return "", fmt.Errorf("checkpoint %s belongs to another run than the one in %s; give --out with a new folder to continue training in", ck.Path, run)
	}
	return filepath.Join(filepath.Dir(filepath.Dir(ck.Path))), nil
}

// sameFolder reports whether two paths name one folder.
func sameFolder(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// openRunFolder creates and locks cfg.Out and makes it ready for the run: a fresh run (or a
// resume into a new folder) gets a folder with no other run in it, a resume in place has the
// later files of an abandoned line moved aside, stale temporary files are removed and every
// folder the run writes is checked for writing. It sets cfg.RunID.
func openRunFolder(cfg *Config, resume *Checkpoint, log io.Writer) (*runFolder, error) {
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("output folder: %w", err)
	}
	lock, err := lockFolder(cfg.Out)
	if err != nil {
		return nil, err
	}
	f := &runFolder{dir: cfg.Out, lock: lock}
	if err := f.prepare(cfg, resume, log); err != nil {
		f.release()
		return nil, err
	}
	return f, nil
}

func (f *runFolder) prepare(cfg *Config, resume *Checkpoint, log io.Writer) error {
	if err := f.checkKinds(); err != nil {
		return err
	}
	inPlace := false
	if resume != nil {
		if home, err := RunFolderOf(resume); err == nil && sameFolder(home, f.dir) {
			inPlace = true
		}
	}
	if inPlace {
		if err := f.abandonLaterSteps(resume, log); err != nil {
			return err
		}
	} else {
		cfg.RunID = newRunID()
		if held := f.heldOutputs(); held != "" {
			if !cfg.Overwrite {
				how := fmt.Sprintf("continue it with --resume %s, choose another --out, or give --overwrite to move it aside",
					filepath.Join(f.dir, "checkpoints", "latest.safetensors"))
				if _, err := os.Stat(filepath.Join(f.dir, "checkpoints", "latest.safetensors")); err != nil {
					how = "it has no checkpoint to continue from (it stopped before its first); choose another --out, or give --overwrite to move it aside"
				}
				if resume != nil {
					how = "choose a new --out to continue this checkpoint in, or give --overwrite to move that run aside"
				}
				return fmt.Errorf("%s already holds a run (%s); %s", f.dir, held, how)
			}
			if err := f.moveAside(log); err != nil {
				return err
			}
		}
	}
	f.removeStaleTemps(log)
	return f.checkWritable()
}

// checkKinds refuses a folder where a file the run reads, appends to or replaces is
// something other than a regular file, before anything in it is moved: opening a FIFO
// blocks until a writer comes, which may be never.
func (f *runFolder) checkKinds() error {
	for _, name := range append(outputNames, filepath.Join("checkpoints", "latest.safetensors")) {
		if err := plainfile.CheckIfExists(filepath.Join(f.dir, name)); err != nil {
			return fmt.Errorf("run folder: %w; remove it or choose another --out", err)
		}
	}
	return nil
}

// heldOutputs names a run's output found in the folder, or is "" if there is none. An empty
// file, such as the metrics.jsonl of a run that failed before its first step, holds nothing.
func (f *runFolder) heldOutputs() string {
	for _, name := range outputNames {
		if st, err := os.Lstat(filepath.Join(f.dir, name)); err == nil && st.Size() > 0 {
			return name
		}
	}
	for _, sub := range []string{"checkpoints", "samples"} {
		entries, _ := os.ReadDir(filepath.Join(f.dir, sub))
		for _, e := range entries {
			if stepFile.MatchString(e.Name()) || e.Name() == "latest.safetensors" {
				return filepath.Join(sub, e.Name())
			}
		}
	}
	return ""
}

// moveAside moves everything in the folder but its lock to a new folder beside it.
func (f *runFolder) moveAside(log io.Writer) error {
	abs, err := filepath.Abs(f.dir)
	if err != nil {
		return fmt.Errorf("--overwrite: %w", err)
	}
	// Moving the folder that holds the working directory would move it into its own copy.
	if wd, err := os.Getwd(); err != nil || wd == abs || strings.HasPrefix(wd, abs+string(filepath.Separator)) || abs == filepath.Dir(abs) {
		return fmt.Errorf("--overwrite would move the run in %s, which holds the working directory, into a folder beside it; give --out a folder of its own", f.dir)
	}
	aside := fmt.Sprintf("%s.replaced-%s", abs, time.Now().Format("20060102-150405"))
	if err := os.Mkdir(aside, 0o755); err != nil {
		return fmt.Errorf("--overwrite: %w", err)
	}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return fmt.Errorf("--overwrite: %w", err)
	}
	for _, e := range entries {
		if e.Name() == lockName {
			continue
		}
		if err := os.Rename(filepath.Join(f.dir, e.Name()), filepath.Join(aside, e.Name())); err != nil {
			return fmt.Errorf("--overwrite: %w", err)
		}
	}
	fmt.Fprintf(log, "moved the run that was in %s to %s\n", f.dir, aside)
	return nil
}

// abandonLaterSteps moves this run's checkpoints and sample grids of steps after the resumed
// checkpoint, and the metrics log they belong to, into abandoned/, so that the line about to
// be trained never mixes with them; latest.safetensors points at the resumed checkpoint.
func (f *runFolder) abandonLaterSteps(ck *Checkpoint, log io.Writer) error {
	step := ck.Progress.Step
	var later []string
	for _, sub := range []string{"checkpoints", "samples"} {
		ext := map[string]string{"checkpoints": "safetensors", "samples": "png"}[sub]
		files, err := stepFiles(filepath.Join(f.dir, sub), ext)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		for _, p := range files {
			if fileStep(p) <= step || ext == "safetensors" && checkpointRunID(p) != ck.Config.RunID {
				continue
			}
			later = append(later, p)
		}
	}
	if len(later) == 0 {
		return nil
	}
	aside := filepath.Join(f.dir, "abandoned", fmt.Sprintf("after-step-%d-%s", step, time.Now().Format("20060102-150405")))
	for _, p := range later {
		dst := filepath.Join(aside, filepath.Base(filepath.Dir(p)), filepath.Base(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("move aside: %w", err)
		}
		if err := os.Rename(p, dst); err != nil {
			return fmt.Errorf("move aside: %w", err)
		}
	}
	if raw, err := plainfile.ReadFile(filepath.Join(f.dir, "metrics.jsonl")); err == nil {
		if err := atomicfile.WriteFile(filepath.Join(aside, "metrics.jsonl"), raw, 0o644); err != nil {
			return err
		}
	}
	if inside, err := filepath.Rel(filepath.Join(f.dir, "checkpoints"), ck.Path); err == nil && !strings.Contains(inside, string(filepath.Separator)) && inside != "latest.safetensors" {
		if err := linkLatest(ck.Path); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "resuming at step %d leaves a later line behind: moved %d of its checkpoints and sample grids to %s\n", step, len(later), aside)
	return nil
}

// fileStep is the step in a step_<n>.<ext> file's name.
func fileStep(path string) int {
	m := stepFile.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// checkpointRunID reads the run identity from a checkpoint's header alone; "?" when the file
// is not a readable gogan checkpoint, which then matches no run.
func checkpointRunID(path string) string {
	fh, err := plainfile.Open(path)
	if err != nil {
		return "?"
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return "?"
	}
	file, err := checkpoints.Parse(fh, st.Size())
	if err != nil {
		return "?"
	}
	cfg, err := UnmarshalConfig(file.Metadata()["config"])
	if err != nil {
		return "?"
	}
	return cfg.RunID
}

// staleTemp matches the temporary files of gogan's atomic writes (atomicfile's
// .<name>.tmp-<digits>) and of linkLatest.
var staleTemp = regexp.MustCompile(`^(\.(step_\d+\.(safetensors|png)|latest\.safetensors|config\.json|metrics\.jsonl|loss\.png|progress\.gif|real_samples\.png)\.tmp-\d+|latest\.safetensors\.tmp-link)$`)

// removeStaleTemps deletes the temporary files a killed run left; under the folder's lock no
// other run can be writing them.
func (f *runFolder) removeStaleTemps(log io.Writer) {
	removed := 0
	for _, d := range []string{f.dir, filepath.Join(f.dir, "checkpoints"), filepath.Join(f.dir, "samples")} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Type().IsRegular() && staleTemp.MatchString(e.Name()) && os.Remove(filepath.Join(d, e.Name())) == nil {
				removed++
			}
		}
	}
	if removed > 0 {
		fmt.Fprintf(log, "removed %d temporary files left in %s by an interrupted run\n", removed, f.dir)
	}
}

// checkWritable creates the run's folders and writes a probe into each, so that a folder the
// run cannot write fails now rather than at the first checkpoint.
func (f *runFolder) checkWritable() error {
	for _, d := range []string{f.dir, filepath.Join(f.dir, "samples"), filepath.Join(f.dir, "checkpoints")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("output folder: %w", err)
		}
		probe, err := os.CreateTemp(d, ".write-test-*")
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("output folder %s is not writable: %v", d, err)
		}
		probe.Close()
		os.Remove(probe.Name())
	}
	return nil
}
