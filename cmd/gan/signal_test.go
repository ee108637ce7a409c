package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gogan/run"
)

// childEnv makes the test binary, run again by a test, act as the gan command; limitEnv
// caps that process's address space, in bytes.
const childEnv, limitEnv = "GOGAN_TEST_RUN_GAN", "GOGAN_TEST_ADDRESS_SPACE"

// TestGanProcess is the gan command inside a re-executed test binary: the arguments after
// "--" are the command's. It does nothing in an ordinary test run.
func TestGanProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		return
	}
	if v := os.Getenv(limitEnv); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err == nil {
			err = limitAddressSpace(n)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "limit the address space to %s: %v\n", v, err)
			os.Exit(3)
		}
	}
	os.Exit(runMain(flag.Args(), os.Stdout, os.Stderr))
}

// ganProcess starts the command as a child process, as a user's shell would, with env
// added to this process's environment.
func ganProcess(t *testing.T, env []string, stdout, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestGanProcess$", "--"}, args...)...)
	cmd.Env = append(append(os.Environ(), childEnv+"=1"), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestInterruptWritesCheckpoint sends SIGINT to a training process once it has taken a step
// and checks that it stops with status 130, names the checkpoint it wrote at the step it
// reached, and that training resumes from that checkpoint.
func TestInterruptWritesCheckpoint(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGINT cannot be sent to a process on Windows")
	}
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, nil, &stdout, &stderr, trainArgs(data, out, "--steps", "1000000", "--checkpoint-every", "0", "--sample-every", "0")...)
	metrics := filepath.Join(out, "metrics.jsonl")
	waitUntil(t, cmd, &stderr, time.Minute, "no step", func() bool {
		b, err := os.ReadFile(metrics)
		return err == nil && bytes.Count(b, []byte("\n")) >= 1
	})
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("interrupted run ended with %v, want exit status 130\nstderr: %s", err, stderr.String())
	}
	m := regexp.MustCompile(`checkpoint written to (\S+)`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not name the checkpoint:\n%s", stderr.String())
	}
	ck, err := run.LoadCheckpoint(m[1])
	if err != nil {
		t.Fatalf("the checkpoint named on stderr does not load: %v", err)
	}
	steps := len(metricLines(t, metrics))
	if ck.Progress.Step != steps {
		t.Errorf("checkpoint at step %d, metrics.jsonl has %d steps", ck.Progress.Step, steps)
	}
	if last := strings.TrimSpace(stderr.String()[strings.LastIndex(strings.TrimSpace(stderr.String()), "\n")+1:]); !strings.HasPrefix(last, "gan train: interrupted") {
		t.Errorf("last line of stderr %q, want the interruption", last)
	}

	mustGan(t, "train", "--resume", m[1], "--steps", fmt.Sprint(steps+3))
	if got := len(metricLines(t, metrics)); got != steps+3 {
		t.Errorf("after resuming to step %d metrics.jsonl has %d steps", steps+3, got)
	}
}
