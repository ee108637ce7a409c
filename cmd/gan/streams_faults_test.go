//go:build linux && !race

package main

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// quickCommands are the commands of the fault-class suites with arguments that make each
// quick where it succeeds.
func quickCommands(f badInputFixture) map[string]func(out string) []string {
	cmds := flagCommands(f)
	cmds["info"] = func(string) []string { return []string{"info"} }
	return cmds
}

// streamModes are the ways a command's output streams can be hostile: closed (>&-), a pipe
// whose reader is gone, a pipe that is full and never read.
var streamModes = []string{"stdout closed", "stderr closed", "both closed", "stdout reader gone", "stderr reader gone", "stderr full"}

// TestEveryCommandHostileStreams runs a sample of commands, drawn with a printed seed, under
// each hostile stream: each ends within hangLimit, and what reaches stderr holds no runtime
// trace.
func TestEveryCommandHostileStreams(t *testing.T) {
	f := newBadInputFixture(t)
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	cmds := quickCommands(f)
	names := slices.Sorted(maps.Keys(cmds)) // sorted, so that the seed alone picks the sample
	for i := 0; i < 12; i++ {
		name, mode := names[rng.IntN(len(names))], streamModes[rng.IntN(len(streamModes))]
		args := cmds[name](f.path(fmt.Sprint("streams", i)))
		stderr, code, err := runWithStreams(t, mode, args)
		what := fmt.Sprintf("seed %d: gan %s with %s", seed, name, mode)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		for _, bad := range []string{"panic", "goroutine ", "fatal error"} {
			if strings.Contains(stderr, bad) {
				t.Errorf("%s: exit %d, %s:\n%.600s", what, code, bad, stderr)
			}
		}
	}
}

// runWithStreams runs the command as a child process with its streams set up as mode says,
// and returns what stderr received (when the test can read it) and the exit status.
func runWithStreams(t *testing.T, mode string, args []string) (string, int, error) {
	t.Helper()
	shell := `exec "$0" "$@"`
	switch mode {
	case "stdout closed":
		shell += " >&-"
	case "stderr closed":
		shell += " 2>&-"
	case "both closed":
		shell += " >&- 2>&-"
	}
	cmd := exec.Command("/bin/sh", append([]string{"-c", shell, os.Args[0], "-test.run=^TestGanProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &bytes.Buffer{}, &stderr
	var keep []*os.File
	defer func() {
		for _, f := range keep {
			f.Close()
		}
	}()
	pipe := func() (r, w *os.File) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, r, w)
		return r, w
	}
	switch mode {
	case "stdout reader gone":
		r, w := pipe()
		r.Close()
		cmd.Stdout = w
	case "stderr reader gone":
		r, w := pipe()
		r.Close()
		cmd.Stderr = w
	case "stderr full":
		_, w := pipe()
		fillPipe(t, w)
		cmd.Stderr = w
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(hangLimit, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	if !timer.Stop() {
		return stderr.String(), -1, fmt.Errorf("no answer within %v", hangLimit)
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	code := 0
	if exit != nil {
		code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() != syscall.SIGPIPE {
			return stderr.String(), code, fmt.Errorf("killed by %v", ws.Signal())
		}
	}
	return stderr.String(), code, nil
}

// TestEveryCommandLowAddressSpace runs a sample of commands, drawn with a printed seed, under
// an address-space limit from 1.8 to 3.0 GB (below about 1.6 GB the Go runtime itself fails to start or to grow its heap, before any of gan runs): each succeeds or refuses in one line, never
// ends in a runtime trace.
func TestEveryCommandLowAddressSpace(t *testing.T) {
	f := newBadInputFixture(t)
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 3))
	cmds := quickCommands(f)
	names := slices.Sorted(maps.Keys(cmds)) // sorted, so that the seed alone picks the sample
	for i := 0; i < 8; i++ {
		name := names[rng.IntN(len(names))]
		limit := 1800<<20 + rng.IntN(1200<<20)
		args := cmds[name](f.path(fmt.Sprint("lowmem", i)))
		var stdout, stderr bytes.Buffer
		cmd := ganProcess(t, []string{fmt.Sprintf("%s=%d", limitEnv, limit)}, &stdout, &stderr, args...)
		timer := time.AfterFunc(hangLimit, func() { cmd.Process.Kill() })
		err := cmd.Wait()
		what := fmt.Sprintf("seed %d: gan %s under ulimit -v %d kB", seed, strings.Join(args, " "), limit>>10)
		if !timer.Stop() {
			t.Errorf("%s: no answer within %v", what, hangLimit)
			continue
		}
		msg := strings.TrimSpace(stderr.String())
		for _, bad := range []string{"panic", "goroutine ", "fatal error"} {
			if strings.Contains(msg, bad) {
				t.Errorf("%s: %v, %s:\n%.600s", what, err, bad, msg)
			}
		}
	}
}
