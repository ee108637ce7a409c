package main

import (
	"bytes"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"gogan/checkpoints"
	"gogan/run"
)

// withValue copies a safetensors file with one float32 value of one tensor replaced.
func withValue(t *testing.T, src, dst, tensor string, value float32) string {
	t.Helper()
	f, err := checkpoints.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	var ts []checkpoints.Tensor
	for _, name := range f.Names() {
		info, _ := f.Info(name)
		if info.DType == checkpoints.Int64 {
			v, _ := f.I64(name)
			ts = append(ts, checkpoints.I64(name, info.Shape, v))
			continue
		}
		v, err := f.F32(name)
		if err != nil {
			t.Fatal(err)
		}
		if name == tensor {
			v[len(v)/2] = value
		}
		ts = append(ts, checkpoints.F32(name, info.Shape, v))
	}
	if err := checkpoints.Write(dst, ts, f.Metadata()); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestNonFiniteWeightsRefused gives generate and train --resume checkpoints and state dicts
// whose weights hold NaN, infinity or a negative running variance: each is refused naming the
// tensor, and nothing is written.
func TestNonFiniteWeightsRefused(t *testing.T) {
	f := newBadInputFixture(t)
	nan := float32(math.NaN())
	weights := rewriteCheckpoint(t, f.ck, f.path("g.safetensors"), func(name string) (string, bool) {
		return strings.TrimPrefix(name, "generator."), strings.HasPrefix(name, "generator.")
	}, func(m map[string]string) { clear(m) })
	grid := f.path("grid.png")
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"generate-nan", []string{"generate", "--out", grid, "--checkpoint", withValue(t, f.ck, f.path("nan.safetensors"), "generator.0.weight", nan)},
			[]string{"nan.safetensors", `"generator.0.weight"`, "NaN"}},
		{"generate-inf", []string{"generate", "--out", grid, "--checkpoint", withValue(t, f.ck, f.path("inf.safetensors"), "generator.3.weight", float32(math.Inf(1)))},
			[]string{"inf.safetensors", `"generator.3.weight"`, "+Inf"}},
		{"generate-negative-variance", []string{"generate", "--out", grid, "--checkpoint", withValue(t, f.ck, f.path("var.safetensors"), "generator.1.running_var", -1)},
			[]string{"var.safetensors", `"generator.1.running_var"`, "negative variance"}},
		{"generate-weights-nan", []string{"generate", "--out", grid, "--weights", withValue(t, weights, f.path("gnan.safetensors"), "0.weight", nan), "--nz", "8", "--ngf", "4"},
			[]string{"gnan.safetensors", `"0.weight"`, "NaN"}},
		{"resume-nan", []string{"train", "--resume", f.path("nan.safetensors"), "--steps", "4", "--out", f.path("resumed")},
			[]string{"nan.safetensors", `"generator.0.weight"`, "NaN", "earlier checkpoint"}},
		{"resume-nan-discriminator", []string{"train", "--resume", withValue(t, f.ck, f.path("dnan.safetensors"), "discriminator.0.weight", nan), "--steps", "4", "--out", f.path("resumed")},
			[]string{"dnan.safetensors", `"discriminator.0.weight"`, "NaN"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectOneLineError(t, gan(t, c.args...), c.want...)
			if _, err := os.Stat(grid); err == nil {
				t.Errorf("a grid was written from unusable weights")
			}
			if _, err := os.Stat(f.path("resumed")); err == nil {
				t.Errorf("a resume from unusable weights wrote its run folder")
			}
		})
	}
}

// signalledRun starts a long tiny training run in a child process, waits for its first step
// and returns it with its run folder and output.
func signalledRun(t *testing.T) (cmd *exec.Cmd, out string, stderr *bytes.Buffer) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("signals cannot be sent to a process on Windows")
	}
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out = filepath.Join(dir, "run")
	var stdout bytes.Buffer
	stderr = new(bytes.Buffer)
	cmd = ganProcess(t, nil, &stdout, stderr, trainArgs(data, out, "--steps", "1000000", "--checkpoint-every", "0", "--sample-every", "0")...)
	waitForSteps(t, cmd, stderr, filepath.Join(out, "metrics.jsonl"), 2)
	return cmd, out, stderr
}

// exitStatus waits for a child and returns its exit status.
func exitStatus(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if exit != nil {
		return exit.ExitCode()
	}
	return 0
}

// TestTerminateWritesEverything stops a run with SIGTERM: it exits 143, as a process ended by
// SIGTERM does, after writing its checkpoint, its last sample grid, loss.png and progress.gif.
func TestTerminateWritesEverything(t *testing.T) {
	cmd, out, stderr := signalledRun(t)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitStatus(t, cmd); code != 143 {
		t.Fatalf("exit status %d after SIGTERM, want 143\nstderr: %s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "stopping: finishing this step and saving a checkpoint") {
		t.Errorf("the first signal is not acknowledged:\n%s", stderr)
	}
	m := regexp.MustCompile(`interrupted at step (\d+); checkpoint written to (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not name the checkpoint:\n%s", stderr)
	}
	for _, name := range []string{"loss.png", "progress.gif", filepath.Join("samples", "step_"+m[1]+".png"), filepath.Join("checkpoints", "step_"+m[1]+".safetensors")} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("the interrupted run left no %s: %v", name, err)
		}
	}
}

// TestSecondInterruptWaitsForTheSave presses Ctrl-C twice, 50 ms apart: the second must not
// cut the save short; the run ends with status 130 and a checkpoint that loads.
func TestSecondInterruptWaitsForTheSave(t *testing.T) {
	cmd, _, stderr := signalledRun(t)
	cmd.Process.Signal(os.Interrupt)
	time.Sleep(50 * time.Millisecond)
	cmd.Process.Signal(os.Interrupt)
	if code := exitStatus(t, cmd); code != 130 {
		t.Fatalf("exit status %d after two Ctrl-C, want 130\nstderr: %s", code, stderr)
	}
	m := regexp.MustCompile(`checkpoint written to (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not name the checkpoint:\n%s", stderr)
	}
	if _, err := run.LoadCheckpoint(m[1]); err != nil {
		t.Errorf("the checkpoint does not load: %v", err)
	}
}
