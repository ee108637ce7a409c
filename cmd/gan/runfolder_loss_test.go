package main

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Ways a run folder's files were lost or changed by a command that then failed, or by a
// folder the user changed during a run.

// TestLockLinkNotFollowed makes a run folder's .lock a link to a file of the user's, then a
// dangling link: training refuses the folder, the file is unchanged and the link's target is
// not created.
func TestLockLinkNotFollowed(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("my notes\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "created-by-the-link")
	for name, target := range map[string]string{"link": notes, "dangling": missing} {
		out := filepath.Join(dir, name)
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(out, ".lock")); err != nil {
			t.Fatal(err)
		}
		res := gan(t, trainArgs(data, out, "--steps", "1")...)
		expectOneLineError(t, res, "symbolic link")
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes\n" {
		t.Errorf("the file .lock links to now holds %q", b)
	}
	if _, err := os.Lstat(missing); err == nil {
		t.Errorf("the dangling .lock link's target was created")
	}
}

// TestNonFiniteHyperparametersRefusedFirst gives NaN and infinite betas and clips: each is
// refused in one line before a run folder is created, or, with --overwrite, before the run
// in it is moved aside.
func TestNonFiniteHyperparametersRefusedFirst(t *testing.T) {
	f := newBadInputFixture(t)
	run := filepath.Join(f.dir, "run")
	before := snapshot(t, f.dir)
	for _, flagValue := range [][2]string{{"--beta1", "NaN"}, {"--beta2", "NaN"}, {"--clip", "NaN"}, {"--clip", "Inf"}, {"--clip", "-Inf"}} {
		fresh := f.path("fresh")
		res := gan(t, trainArgs(f.data, fresh, "--steps", "1", flagValue[0], flagValue[1])...)
		expectOneLineError(t, res, strings.TrimRight(flagValue[0][2:], "12"))
		if _, err := os.Stat(fresh); err == nil {
			t.Errorf("%s %s: the run folder was created before the refusal", flagValue[0], flagValue[1])
		}
		res = gan(t, trainArgs(f.data, run, "--steps", "1", "--overwrite", flagValue[0], flagValue[1])...)
		expectOneLineError(t, res, strings.TrimRight(flagValue[0][2:], "12"))
		if after := snapshot(t, f.dir); !maps.Equal(before, after) {
			t.Fatalf("%s %s --overwrite: files changed before the refusal", flagValue[0], flagValue[1])
		}
	}
}

// TestOverwriteOfWorkingDirectoryRefused gives --overwrite with --out . and --out ..: moving
// the folder that holds the working directory aside would move it into itself, so it is
// refused and nothing moves.
func TestOverwriteOfWorkingDirectoryRefused(t *testing.T) {
	f := newBadInputFixture(t)
	run := filepath.Join(f.dir, "run")
	sub := filepath.Join(run, "samples")
	before := snapshot(t, f.dir)
	for _, c := range []struct{ wd, out string }{{run, "."}, {sub, ".."}} {
		t.Chdir(c.wd)
		res := gan(t, trainArgs(f.data, c.out, "--steps", "1", "--overwrite")...)
		expectOneLineError(t, res, "working directory")
		if after := snapshot(t, f.dir); !maps.Equal(before, after) {
			t.Fatalf("--out %s --overwrite in %s: files moved before the refusal", c.out, c.wd)
		}
	}
}

// TestRefusedResumeChangesNothing resumes from an earlier checkpoint without asking for more
// steps than it has: the refusal leaves the later checkpoints and latest where they were.
func TestRefusedResumeChangesNothing(t *testing.T) {
	run := trainTiny(t, 6, "--checkpoint-every", "2", "--keep", "5")
	before := snapshot(t, run)
	res := gan(t, "train", "--resume", filepath.Join(run, "checkpoints", "step_2.safetensors"), "--steps", "2")
	expectOneLineError(t, res, "at step 2 already")
	if after := snapshot(t, run); !maps.Equal(before, after) {
		t.Errorf("the refused resume changed the run folder")
	}
	if _, err := os.Stat(filepath.Join(run, "abandoned")); err == nil {
		t.Errorf("the refused resume moved steps to abandoned/")
	}
}

// TestFolderWithoutCheckpointSuggestsNoResume: a run killed before its first checkpoint
// leaves outputs but no latest; the refusal of a fresh run there must not suggest resuming
// from a file that does not exist.
func TestFolderWithoutCheckpointSuggestsNoResume(t *testing.T) {
	run := trainTiny(t, 2)
	if err := os.RemoveAll(filepath.Join(run, "checkpoints")); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(filepath.Dir(run), "mnist")
	res := gan(t, trainArgs(data, run, "--steps", "1")...)
	expectOneLineError(t, res, "already holds a run", "no checkpoint")
	if strings.Contains(res.stderr, "--resume") {
		t.Errorf("suggests a resume from a checkpoint that does not exist: %s", res.stderr)
	}
}

// TestOutputFoldersDeletedDuringRun deletes samples/ and checkpoints/ while a run writes a
// grid and a checkpoint every step: the run recreates them, and stops on SIGINT with a
// checkpoint that loads.
func TestOutputFoldersDeletedDuringRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs SIGINT")
	}
	r := startSignalRun(t, true, "--sample-every", "1", "--checkpoint-every", "1")
	if !r.waitSteps(2) {
		t.Fatal("no step within a minute")
	}
	os.RemoveAll(filepath.Join(r.out, "samples"))
	os.RemoveAll(filepath.Join(r.out, "checkpoints"))
	steps := len(metricLines(t, filepath.Join(r.out, "metrics.jsonl")))
	if !r.waitSteps(steps + 2) {
		r.cmd.Wait()
		<-r.copied
		t.Fatalf("the run stopped after its folders were deleted:\n%s", r.stderr.String())
	}
	r.cmd.Process.Signal(syscall.SIGINT)
	if code := r.wait(t); code != 130 {
		<-r.copied
		t.Fatalf("exit status %d, want 130\nstderr: %s", code, r.stderr.String())
	}
	r.checkResumes(t, "folders deleted during the run")
}
