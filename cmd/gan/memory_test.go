package main

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"gogan/train"
)

// childAddressSpace is the memory a child run of the command may map: ample for the tiny
// networks, far below what the absurd sizes below would ask for.
const childAddressSpace = 3 << 30

// TestAbsurdSizesFailCleanly gives sizes that would need far more memory than any machine
// has, through flags and through a checkpoint's configuration, and checks that each is
// refused with a one-line error before anything of that size is allocated. The command runs
// as a child process under an address-space limit, so that a regression is a failed test
// rather than an exhausted machine.
func TestAbsurdSizesFailCleanly(t *testing.T) {
	if !canLimitAddressSpace {
		t.Skip("needs an address-space limit: RLIMIT_AS on Linux, without the race detector")
	}
	f := newBadInputFixture(t)
	huge := rewriteCheckpoint(t, f.ck, f.path("huge.safetensors"), all, editConfig(t, func(c *train.Config) { c.NGF = 1 << 30 }))
	weights := rewriteCheckpoint(t, f.ck, f.path("g.safetensors"), func(name string) (string, bool) {
		return strings.TrimPrefix(name, "generator."), strings.HasPrefix(name, "generator.")
	}, func(m map[string]string) { clear(m) })
	gen := []string{"generate", "--out", f.path("grid.png")}
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"train-image-size", trainArgs(f.data, f.path("out"), "--steps", "1", "--image-size", "100000"), []string{"100000"}},
		{"generate-checkpoint-ngf", append(gen, "--checkpoint", huge), []string{huge, "ngf 1073741824"}},
		{"resume-checkpoint-ngf", []string{"train", "--resume", huge, "--out", f.path("resumed")}, []string{huge, "ngf 1073741824"}},
		{"generate-weights-ngf", append(gen, "--weights", weights, "--nz", "8", "--ngf", fmt.Sprint(1<<30)), []string{weights, "--ngf 1073741824"}},
		{"generate-n", append(gen, "--checkpoint", f.ck, "--n", "2000000000"), []string{"--n"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			limit := fmt.Sprintf("%s=%d", limitEnv, childAddressSpace)
			err := ganProcess(t, []string{limit}, &stdout, &stderr, c.args...).Wait()
			var exit *exec.ExitError
			if err != nil && !errors.As(err, &exit) {
				t.Fatal(err)
			}
			code := 0
			if exit != nil {
				code = exit.ExitCode()
			}
			expectOneLineError(t, ganResult{code, stdout.String(), stderr.String()}, c.want...)
		})
	}
}
