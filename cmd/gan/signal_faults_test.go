//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"gogan/run"
)

// A run's stop must survive the ways its output goes away: a `| tee log` that Ctrl-C killed
// first, a pipe that nobody reads, a closed terminal (SIGHUP). Each test starts training as a
// child process, stops it with a signal and expects latest.safetensors to load and a resume
// to continue from it.

// signalRun is a training child process whose stderr is a pipe the test controls.
type signalRun struct {
	cmd     *exec.Cmd
	out     string
	stdout  bytes.Buffer
	readEnd *os.File // the stderr pipe's read end, held by the test
	stderr  bytes.Buffer
	copied  chan struct{}
}

// startSignalRun starts a long training run with stderr on a new pipe; with read the test
// copies what the run writes there until it closes the read end.
func startSignalRun(t *testing.T, read bool, extra ...string) *signalRun {
	t.Helper()
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	r := &signalRun{out: filepath.Join(dir, "run"), copied: make(chan struct{})}
	readEnd, writeEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.readEnd = readEnd
	r.cmd = exec.Command(os.Args[0], append([]string{"-test.run=^TestGanProcess$", "--"},
		trainArgs(data, r.out, append([]string{"--steps", "1000000", "--checkpoint-every", "0", "--sample-every", "0"}, extra...)...)...)...)
	r.cmd.Env = append(os.Environ(), childEnv+"=1")
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, writeEnd
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	writeEnd.Close()
	if read {
		go func() { r.stderr.ReadFrom(readEnd); close(r.copied) }()
	} else {
		close(r.copied)
	}
	t.Cleanup(func() { r.cmd.Process.Kill(); r.readEnd.Close() })
	return r
}

// waitSteps waits until the run has logged n steps; false after a minute.
func (r *signalRun) waitSteps(n int) bool {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(r.out, "metrics.jsonl")); err == nil && bytes.Count(b, []byte("\n")) >= n {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// wait waits a minute at most for the run to end and returns its exit status.
func (r *signalRun) wait(t *testing.T) int {
	t.Helper()
	ended := make(chan error, 1)
	go func() { ended <- r.cmd.Wait() }()
	select {
	case err := <-ended:
		var exit *exec.ExitError
		if err == nil {
			return 0
		}
		if !errors.As(err, &exit) {
			t.Fatal(err)
		}
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	case <-time.After(time.Minute):
		r.cmd.Process.Kill()
		t.Fatalf("the run did not stop within a minute of the signal")
		return -1
	}
}

// checkResumes checks that latest loads at the step metrics.jsonl reached and that training
// continues from it.
func (r *signalRun) checkResumes(t *testing.T, what string) {
	t.Helper()
	latest := filepath.Join(r.out, "checkpoints", "latest.safetensors")
	ck, err := run.LoadCheckpoint(latest)
	if err != nil {
		t.Fatalf("%s: latest does not load: %v", what, err)
	}
	metrics := filepath.Join(r.out, "metrics.jsonl")
	if steps := len(metricLines(t, metrics)); ck.Progress.Step != steps {
		t.Fatalf("%s: latest at step %d, metrics.jsonl has %d", what, ck.Progress.Step, steps)
	}
	mustGan(t, "train", "--resume", r.out, "--steps", fmt.Sprint(ck.Progress.Step+2))
	if got := len(metricLines(t, metrics)); got != ck.Progress.Step+2 {
		t.Errorf("%s: resumed to step %d, metrics.jsonl has %d", what, ck.Progress.Step+2, got)
	}
}

// TestInterruptAfterTeeDiedSaves is `gan train 2>&1 | tee log` and Ctrl-C: the terminal
// signals tee too, which dies first, so the run's "stopping" message meets a closed pipe.
// The run must still save and exit with SIGINT's status, not die of SIGPIPE (141).
func TestInterruptAfterTeeDiedSaves(t *testing.T) {
	r := startSignalRun(t, true)
	if !r.waitSteps(1) {
		t.Fatal("no step within a minute")
	}
	r.readEnd.Close() // tee dies
	<-r.copied
	r.cmd.Process.Signal(os.Interrupt)
	if code := r.wait(t); code != 130 {
		t.Fatalf("exit status %d, want 130 (141: killed by SIGPIPE before saving)", code)
	}
	r.checkResumes(t, "SIGINT after tee died")
}

// TestStopWithStderrPipeFull gives the run a stderr pipe that is full and never read: its
// messages must not block training, and SIGTERM must stop it with a checkpoint.
func TestStopWithStderrPipeFull(t *testing.T) {
	readEnd, writeEnd, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer readEnd.Close()
	fillPipe(t, writeEnd)
	r := startSignalRunOn(t, writeEnd)
	if !r.waitSteps(2) {
		t.Fatal("no step within a minute: the run blocks on a full stderr")
	}
	r.cmd.Process.Signal(syscall.SIGTERM)
	if code := r.wait(t); code != 143 {
		t.Fatalf("exit status %d, want 143", code)
	}
	r.checkResumes(t, "SIGTERM with a full stderr")
}

// startSignalRunOn starts a long training run with stderr on the given file.
func startSignalRunOn(t *testing.T, stderr *os.File) *signalRun {
	t.Helper()
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	r := &signalRun{out: filepath.Join(dir, "run"), copied: make(chan struct{}), readEnd: stderr}
	r.cmd = exec.Command(os.Args[0], append([]string{"-test.run=^TestGanProcess$", "--"},
		trainArgs(data, r.out, "--steps", "1000000", "--checkpoint-every", "0", "--sample-every", "0")...)...)
	r.cmd.Env = append(os.Environ(), childEnv+"=1")
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stderr.Close()
	t.Cleanup(func() { r.cmd.Process.Kill() })
	return r
}

// fillPipe writes into a pipe until it holds all it can.
func fillPipe(t *testing.T, w *os.File) {
	t.Helper()
	chunk := bytes.Repeat([]byte("x"), 4096)
	for {
		w.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := w.Write(chunk); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal(err)
			}
			w.SetWriteDeadline(time.Time{})
			return
		}
	}
}

// TestSignalAtRandomPointSaves sends each stopping signal (INT, TERM, HUP, PIPE) at a random
// step of a run, its stderr read as a terminal's would be, and expects the signal's status,
// a latest that loads at the step reached, and a resume that continues. The seed is printed
// so that a failure can be reproduced with GOGAN_TEST_SEED.
func TestSignalAtRandomPointSaves(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 0))
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE} {
		t.Run(sig.String(), func(t *testing.T) {
			r := startSignalRun(t, true)
			steps := 1 + rng.IntN(8)
			if !r.waitSteps(steps) {
				t.Fatal("no step within a minute")
			}
			time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
			r.cmd.Process.Signal(sig)
			if code := r.wait(t); code != 128+int(sig) {
				t.Fatalf("seed %d: exit status %d after %v at step %d, want %d\nstderr: %s", seed, code, sig, steps, 128+int(sig), r.stderr.String())
			}
			r.checkResumes(t, fmt.Sprintf("seed %d, %v after step %d", seed, sig, steps))
		})
	}
}
