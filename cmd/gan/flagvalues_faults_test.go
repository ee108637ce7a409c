package main

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// hostileValues are the values every numeric flag is tried with: not numbers, infinite,
// negative, zero, octal-looking, hexadecimal and beyond any memory.
var hostileValues = []string{"NaN", "Inf", "-Inf", "-1", "0", "016", "0x10", "9223372036854775807", "1e300"}

// numericFlag matches a flag listing line of a number flag: "  -batch-size int".
var numericFlag = regexp.MustCompile(`(?m)^  -(\S+) (int|uint|float)\b`)

// flagCase is one command with one flag set to one value.
type flagCase struct {
	command, flag, kind, value string
}

// flagCommands are the commands whose number flags are tried, each with arguments that make
// it quick where the flag is accepted.
func flagCommands(f badInputFixture) map[string]func(out string) []string {
	return map[string]func(string) []string{
		"train": func(out string) []string { return trainArgs(f.data, out, "--steps", "2") },
		"generate": func(out string) []string {
			return []string{"generate", "--checkpoint", f.ck, "--n", "4", "--out", out + ".png"}
		},
		"data": func(out string) []string {
			return []string{"data", "--dataset", "mnist", "--data", f.data, "--grid", out + ".png"}
		},
		"toy": func(out string) []string { return []string{"toy", "--steps", "2", "--out", out} },
		"bench": func(out string) []string {
			return []string{"bench", "--steps", "1", "--warmup", "0", "--batch-size", "2"}
		},
		"eval": func(out string) []string { return []string{"eval", "--checkpoint", out + ".missing"} },
	}
}

// TestEveryFlagHostileValues gives a sample of (command, number flag, hostile value) cases,
// drawn with a printed seed, to the command in a child process under an address-space
// limit: NaN, infinities and counts that are not plain decimal are refused as usage errors;
// any value is either accepted or refused in one line, never a panic, a runtime trace or a
// hang.
func TestEveryFlagHostileValues(t *testing.T) {
	if !canLimitAddressSpace {
		t.Skip("needs an address-space limit: RLIMIT_AS on Linux, without the race detector")
	}
	f := newBadInputFixture(t)
	var all []flagCase
	for name := range flagCommands(f) {
		for _, m := range numericFlag.FindAllStringSubmatch(gan(t, name, "-h").stdout+gan(t, name, "-h").stderr, -1) {
			for _, v := range hostileValues {
				all = append(all, flagCase{name, m[1], m[2], v})
			}
		}
	}
	if len(all) < 100 {
		t.Fatalf("only %d cases: the flag listings were not read", len(all))
	}
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, 1))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	sample := all[:32]
	for i, c := range sample {
		args := append(flagCommands(f)[c.command](f.path(fmt.Sprint("out", i))), "--"+c.flag, c.value)
		res, finished := ganChild(t, args)
		what := fmt.Sprintf("seed %d: gan %s --%s %s", seed, c.command, c.flag, c.value)
		for _, bad := range []string{"panic", "goroutine ", "fatal error", "runtime error"} {
			if strings.Contains(res.stderr, bad) {
				t.Errorf("%s: %s\n%.600s", what, bad, res.stderr)
			}
		}
		if !finished {
			continue // a huge count may start long work; it did not crash
		}
		mustRefuse := c.value == "NaN" || strings.HasSuffix(c.value, "Inf") || c.kind != "float" && (c.value == "016" || c.value == "0x10")
		if mustRefuse && res.code != 2 {
			t.Errorf("%s: exit %d, want 2 (a usage error)\nstderr: %.300s", what, res.code, res.stderr)
		}
		if msg := strings.TrimSpace(res.stderr); res.code != 0 && (msg == "" || strings.Count(msg, "\n") > 0 && !strings.Contains(msg, "training")) {
			t.Errorf("%s: exit %d, want a one-line refusal:\n%.600s", what, res.code, res.stderr)
		}
	}
}

// ganChild runs the command in a child process under the address-space limit for 20 s at
// most; finished is false when it was stopped at that limit.
func ganChild(t *testing.T, args []string) (res ganResult, finished bool) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, []string{fmt.Sprintf("%s=%d", limitEnv, childAddressSpace)}, &stdout, &stderr, args...)
	timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
	err := cmd.Wait()
	finished = timer.Stop()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	if exit != nil {
		res.code = exit.ExitCode()
	}
	res.stdout, res.stderr = stdout.String(), stderr.String()
	return res, finished
}

// TestFlagValuesRefusedBeforeWork are the cases of the hostile-value class that were once
// accepted: an octal-looking batch size trained with 14, and huge batch sizes crashed gan
// toy and gan bench with a runtime out-of-memory trace.
func TestFlagValuesRefusedBeforeWork(t *testing.T) {
	if !canLimitAddressSpace {
		t.Skip("needs an address-space limit: RLIMIT_AS on Linux, without the race detector")
	}
	f := newBadInputFixture(t)
	cases := []struct {
		args []string
		want string
	}{
		{trainArgs(f.data, f.path("octal"), "--steps", "1", "--batch-size", "016"), "decimal"},
		{trainArgs(f.data, f.path("hex"), "--steps", "1", "--batch-size=0x8"), "decimal"},
		{trainArgs(f.data, f.path("nan"), "--steps", "1", "--lr", "NaN"), "finite"},
		{[]string{"toy", "--steps", "1", "--batch-size", "100000000", "--out", f.path("toy")}, "batch size 100000000"},
		{[]string{"toy", "--steps", "1", "--batch-size", "1000000", "--out", f.path("toy")}, "needs about"},
		{[]string{"bench", "--steps", "1", "--batch-size", "100000000"}, "batch size 100000000"},
		{[]string{"bench", "--steps", "1", "--batch-size", "1000000"}, "needs about"},
	}
	for _, c := range cases {
		res, finished := ganChild(t, c.args)
		if !finished {
			t.Errorf("gan %s: still running after 20 s", strings.Join(c.args, " "))
			continue
		}
		expectOneLineError(t, res, c.want)
	}
}
