package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gogan/run"
)

// The run-folder tests check that training never writes into, prunes or mixes files of a
// folder that is not its own run's, and that a resume continues where the user expects.

// latestOf is the latest checkpoint of a run folder.
func latestOf(run string) string { return filepath.Join(run, "checkpoints", "latest.safetensors") }

// snapshot reads the files of a folder tree, so that a test can check that nothing changed.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && d.Name() != ".lock" {
			b, _ := os.ReadFile(path)
			rel, _ := filepath.Rel(root, path)
			out[rel] = string(b)
		}
		return nil
	})
	return out
}

// expectUnchanged fails for every file of before that is gone or different, and every new file.
func expectUnchanged(t *testing.T, root string, before map[string]string) {
	t.Helper()
	after := snapshot(t, root)
	for name, content := range before {
		if got, ok := after[name]; !ok {
			t.Errorf("%s was removed", filepath.Join(root, name))
		} else if got != content {
			t.Errorf("%s was changed", filepath.Join(root, name))
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was written", filepath.Join(root, name))
		}
	}
}

// TestResumeOutsideRunFolderNeedsOut resumes from a copy of a checkpoint kept in a folder of
// the user's own, beside a config.json and checkpoints of the user's: the run must not write
// there or two levels up, and must ask for --out.
func TestResumeOutsideRunFolderNeedsOut(t *testing.T) {
	run := trainTiny(t, 2)
	home := t.TempDir()
	f := badInputFixture{dir: home}
	f.write(t, "config.json", []byte("the user's own config\n"))
	f.write(t, filepath.Join("checkpoints", "step_1.safetensors"), []byte("the user's own checkpoint\n"))
	copied := f.write(t, filepath.Join("Downloads", "m.safetensors"), readFile(t, latestOf(run)))
	before := snapshot(t, home)

	res := gan(t, "train", "--resume", copied, "--steps", "4")
	expectOneLineError(t, res, copied, "not inside a run folder", "--out")
	expectUnchanged(t, home, before)

	out := filepath.Join(t.TempDir(), "continued")
	mustGan(t, "train", "--resume", copied, "--steps", "4", "--out", out)
	if _, err := os.Stat(filepath.Join(out, "checkpoints", "step_4.safetensors")); err != nil {
		t.Errorf("the resumed run did not write into --out: %v", err)
	}
	expectUnchanged(t, home, before)
}

// TestFreshRunRefusesARunFolder trains into a folder that holds a run: refused without
// --overwrite, and with it the old run is moved aside whole.
func TestFreshRunRefusesARunFolder(t *testing.T) {
	run := trainTiny(t, 3)
	data := filepath.Join(filepath.Dir(run), "mnist")
	before := snapshot(t, run)
	res := gan(t, trainArgs(data, run, "--steps", "2")...)
	expectOneLineError(t, res, run, "already holds a run", "--resume", "--overwrite")
	expectUnchanged(t, run, before)

	other := trainTiny(t, 2, "--arch", "dcgan28")
	res = gan(t, "train", "--resume", latestOf(other), "--steps", "4", "--out", run)
	expectOneLineError(t, res, run, "already holds a run")
	expectUnchanged(t, run, before)

	res = mustGan(t, trainArgs(data, run, "--steps", "2", "--overwrite")...)
	aside, _ := filepath.Glob(run + ".replaced-*")
	if len(aside) != 1 {
		t.Fatalf("--overwrite left %v beside the run, want one folder\nstderr: %s", aside, res.stderr)
	}
	expectUnchanged(t, aside[0], before)
	if !strings.Contains(res.stderr, aside[0]) {
		t.Errorf("--overwrite does not say where the old run went:\n%s", res.stderr)
	}
	if n := len(metricLines(t, filepath.Join(run, "metrics.jsonl"))); n != 2 {
		t.Errorf("the new run's metrics.jsonl has %d lines, want 2", n)
	}
}

// TestRunFolderIsLocked starts a long run and then a second run and a resume into its folder:
// both are refused naming the first run's process, and the first run's files stay intact.
func TestRunFolderIsLocked(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	mustGan(t, trainArgs(data, out, "--steps", "2")...)
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, nil, &stdout, &stderr, "train", "--resume", latestOf(out), "--steps", "1000000", "--checkpoint-every", "0", "--sample-every", "0")
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}()
	waitForSteps(t, cmd, &stderr, filepath.Join(out, "metrics.jsonl"), 3)
	pid := fmt.Sprintf("pid %d", cmd.Process.Pid)
	expectOneLineError(t, gan(t, trainArgs(data, out, "--steps", "2")...), out, "in use", pid)
	expectOneLineError(t, gan(t, "train", "--resume", latestOf(out), "--steps", "5"), "in use", pid)
	if _, err := os.Stat(filepath.Join(out, "checkpoints", "step_2.safetensors")); err != nil {
		t.Errorf("the first run's checkpoint is gone: %v", err)
	}
}

// waitForSteps waits until a child run has written n lines of metrics.
func waitForSteps(t *testing.T, cmd *exec.Cmd, stderr *bytes.Buffer, metrics string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(metrics); err == nil && bytes.Count(b, []byte("\n")) >= n {
			return
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no step %d within a minute\nstderr: %s", n, stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestResumeEarlierCheckpoint resumes a run from an older checkpoint with --keep 1: the
// checkpoint the run reports must exist, and the later checkpoints of the abandoned line must
// be moved aside, not pruned in its place or mixed with the new line.
func TestResumeEarlierCheckpoint(t *testing.T) {
	runDir := trainTiny(t, 20, "--checkpoint-every", "5", "--keep", "10")
	res := mustGan(t, "train", "--resume", filepath.Join(runDir, "checkpoints", "step_10.safetensors"), "--steps", "15", "--keep", "1", "--checkpoint-every", "1")
	step15 := filepath.Join(runDir, "checkpoints", "step_15.safetensors")
	if !strings.Contains(res.stdout, "latest checkpoint "+step15) {
		t.Errorf("stdout %q does not name %s", res.stdout, step15)
	}
	left, _ := filepath.Glob(filepath.Join(runDir, "checkpoints", "step_*.safetensors"))
	if len(left) != 1 || left[0] != step15 {
		t.Errorf("checkpoints left: %v, want only %s", left, step15)
	}
	ck, err := run.LoadCheckpoint(latestOf(runDir))
	if err != nil || ck.Progress.Step != 15 {
		t.Errorf("latest.safetensors: %v, step %v; want step 15", err, ck)
	}
	moved, _ := filepath.Glob(filepath.Join(runDir, "abandoned", "*", "checkpoints", "step_20.safetensors"))
	if len(moved) != 1 || !strings.Contains(res.stderr, filepath.Dir(filepath.Dir(moved[0]))) {
		t.Errorf("step_20 of the abandoned line moved to %v; stderr:\n%s", moved, res.stderr)
	}
	if grids, _ := filepath.Glob(filepath.Join(runDir, "samples", "step_20.png")); len(grids) != 0 {
		t.Errorf("the abandoned line's sample grid is still among the new line's")
	}
	if n := len(metricLines(t, filepath.Join(runDir, "metrics.jsonl"))); n != 15 {
		t.Errorf("metrics.jsonl has %d lines, want 15", n)
	}
}

// TestResumeAfterTornMetricsLine cuts the last line of metrics.jsonl in half, as a full disk
// does, and resumes: the checkpoint is whole, so the resume must work.
func TestResumeAfterTornMetricsLine(t *testing.T) {
	run := trainTiny(t, 4)
	metrics := filepath.Join(run, "metrics.jsonl")
	fh, err := os.OpenFile(metrics, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(`{"step":5,"epoch":1,"sec`)
	fh.Close()
	res := mustGan(t, "train", "--resume", latestOf(run), "--steps", "6")
	if !strings.Contains(res.stderr, "damaged") {
		t.Errorf("the torn line is not reported:\n%s", res.stderr)
	}
	lines := metricLines(t, metrics)
	if len(lines) != 6 || lines[5]["step"] != 6.0 {
		t.Errorf("metrics.jsonl has %d lines, the last %v; want steps 1 to 6", len(lines), lines[len(lines)-1])
	}
}

// TestResumeWithTheSameCommandLine resumes with the command line that started the run and
// --resume added: the fixed settings it repeats are the checkpoint's, so it must work; a
// changed one is refused with both values.
func TestResumeWithTheSameCommandLine(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	args := trainArgs(data, out, "--steps", "2", "--lr", "1e-4", "--arch", "dcgan28")
	mustGan(t, args...)
	resume := append(args[:len(args):len(args)], "--resume", latestOf(out), "--steps", "4")
	mustGan(t, resume...)
	if n := len(metricLines(t, filepath.Join(out, "metrics.jsonl"))); n != 4 {
		t.Errorf("metrics.jsonl has %d lines after resuming to step 4", n)
	}
	res := gan(t, append(resume, "--nz", "16", "--steps", "6")...)
	expectOneLineError(t, res, "--nz", "was 8, now 16")
}
