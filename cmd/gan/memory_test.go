package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gogan/run"
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
	huge := rewriteCheckpoint(t, f.ck, f.path("huge.safetensors"), all, editConfig(t, func(c *run.Config) { c.NGF = 1 << 30 }))
	weights := rewriteCheckpoint(t, f.ck, f.path("g.safetensors"), func(name string) (string, bool) {
		return strings.TrimPrefix(name, "generator."), strings.HasPrefix(name, "generator.")
	}, func(m map[string]string) { clear(m) })
	gen := []string{"generate", "--out", f.path("grid.png")}
	hugeBatch := rewriteCheckpoint(t, f.ck, f.path("batch.safetensors"), all, editConfig(t, func(c *run.Config) { c.BatchSize = 1e9 }))
	hugeDSteps := rewriteCheckpoint(t, f.ck, f.path("dsteps.safetensors"), all, editConfig(t, func(c *run.Config) { c.DSteps = 1e9 }))
	hugeIDX := writeHugeClaimIDX(t, f.path("huge-idx"))
	train := func(extra ...string) []string {
		return trainArgs(f.data, f.path("out"), append([]string{"--steps", "1"}, extra...)...)
	}
	goLimit := []string{"GOMEMLIMIT=1GiB"}
	cases := []struct {
		name string
		args []string
		want []string
		env  []string
	}{
		{"batch-size", train("--batch-size", "1000000000"), []string{"batch size 1000000000 must be at most"}, nil},
		{"ngf", train("--ngf", "2305843009213693952"), []string{"ngf 2305843009213693952 is more than the 16384 allowed"}, nil},
		{"nz", train("--nz", "4611686018427387904"), []string{"nz 4611686018427387904 is more than"}, nil},
		{"ndf", train("--ndf", "1152921504606846976"), []string{"ndf 1152921504606846976 is more than"}, nil},
		{"epochs", trainArgs(f.data, f.path("out"), "--epochs", "14757395258967642"), []string{"epochs 14757395258967642 must be at most"}, nil},
		{"network-beyond-memory", train("--arch", "dcgan64", "--ngf", "16384"), []string{"training dcgan64 with ngf 16384", "needs about", "TB of memory", "lower --batch-size, --ngf or --ndf"}, nil},
		{"resume-checkpoint-batch-size", []string{"train", "--resume", hugeBatch, "--steps", "3", "--out", f.path("resumed")}, []string{hugeBatch, "batch size 1000000000"}, nil},
		{"resume-checkpoint-d-steps", []string{"train", "--resume", hugeDSteps, "--steps", "3", "--out", f.path("resumed")}, []string{hugeDSteps, "d-steps 1000000000 must be at most 100"}, nil},
		{"idx-claim-beyond-memory", trainArgs(hugeIDX, f.path("out"), "--steps", "1"), []string{"2600000×28×28 = 2038400000 bytes", "needs about 2.0 GB of memory", "the Go memory limit"}, goLimit},
		{"data-idx-claim-beyond-memory", []string{"data", "--dataset", "mnist", "--data", hugeIDX}, []string{"2600000×28×28", "needs about 2.0 GB"}, goLimit},
		{"train-image-size", trainArgs(f.data, f.path("out"), "--steps", "1", "--image-size", "100000"), []string{"100000"}, nil},
		{"generate-checkpoint-ngf", append(gen, "--checkpoint", huge), []string{huge, "ngf 1073741824"}, nil},
		{"resume-checkpoint-ngf", []string{"train", "--resume", huge, "--out", f.path("resumed")}, []string{huge, "ngf 1073741824"}, nil},
		{"generate-weights-ngf", append(gen, "--weights", weights, "--nz", "8", "--ngf", fmt.Sprint(1<<30)), []string{weights, "--ngf 1073741824"}, nil},
		{"generate-n", append(gen, "--checkpoint", f.ck, "--n", "2000000000"), []string{"--n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			limit := fmt.Sprintf("%s=%d", limitEnv, childAddressSpace)
			cmd := ganProcess(t, append([]string{limit}, c.env...), &stdout, &stderr, c.args...)
			// A size that is accepted may start a run that never ends: that is a failure too.
			timer := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
			err := cmd.Wait()
			if !timer.Stop() {
				t.Fatalf("still running after a minute; stderr: %.300s", stderr.String())
			}
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

// writeHugeClaimIDX writes an MNIST training split into dir/mnist whose gzipped image file,
// 3 MB, honestly holds 2600000 images of 28×28, 2 GB: a header, a megabyte of noise (which
// keeps the claim within what deflate can expand the file to) and zeros, in gzip members
// that decompress as one stream. It returns dir/mnist.
func writeHugeClaimIDX(t *testing.T, dir string) string {
	t.Helper()
	const n, noise, chunk = 2600000, 1 << 20, 64 << 20
	folder := filepath.Join(dir, "mnist")
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	member := func(payload []byte) []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(payload)
		zw.Close()
		return b.Bytes()
	}
	var file bytes.Buffer
	file.Write(member([]byte{0, 0, 8, 3, 0, n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff, 0, 0, 0, 28, 0, 0, 0, 28}))
	random := make([]byte, noise)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	file.Write(member(random))
	zeros := int64(n)*28*28 - noise
	full := member(make([]byte, chunk))
	for ; zeros >= chunk; zeros -= chunk {
		file.Write(full)
	}
	file.Write(member(make([]byte, zeros)))
	if err := os.WriteFile(filepath.Join(folder, "train-images-idx3-ubyte.gz"), file.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	writeGzipIDX(t, filepath.Join(folder, "train-labels-idx1-ubyte.gz"), make([]byte, 10), 10)
	return folder
}
