//go:build cuda

package cuda

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/nn"
	"gogan/run"
)

// loopCounter is the CUDA backend with its fences watched, which the training steps alone
// use: it keeps the counts of host waits after the first fence wait (the first step's
// statistics, read once the second step is queued and the step's graphs are recorded) and
// after the last (the last step's statistics, before its grid and checkpoint), and counts
// the fence waits that wait for everything queued so far: those on the fence recorded last,
// after which the device has nothing to run until the host queues more. A loop that reads
// each step's statistics as soon as the step is queued makes one such wait per step; one
// that reads them a step late makes none, as the next step's fences are recorded behind them.
type loopCounter struct {
	*Backend
	waits      func() uint64 // the emulated driver's count
	start, end waitCounts
	recorded   int // fences recorded so far
	waited     int // fence waits so far
	drains     int // waits on the fence recorded last
}

// waitCounts are the emulated driver's calls that waited for the device, the calls that
// waited for the backend's thread, and the waits on the fence recorded last.
type waitCounts struct{ driver, worker, drains int }

func (d *loopCounter) now() waitCounts {
	return waitCounts{int(d.waits()), d.w.waits, d.drains}
}

type countedFence struct {
	nn.Fence
	owner *loopCounter
	seq   int
}

func (d *loopCounter) NewFence() (nn.Fence, error) {
	f, err := d.Backend.NewFence()
	if err != nil {
		return nil, err
	}
	return &countedFence{Fence: f, owner: d}, nil
}

func (f *countedFence) Record() {
	f.owner.recorded++
	f.seq = f.owner.recorded
	f.Fence.Record()
}

func (f *countedFence) Wait() error {
	if f.seq == f.owner.recorded {
		f.owner.drains++
	}
	err := f.Fence.Wait()
	if f.owner.waited++; f.owner.waited == 1 {
		f.owner.start = f.owner.now()
	}
	f.owner.end = f.owner.now()
	return err
}

// TestRunLoopDoesNotWait trains through run.Run on the emulated GPU, a conditional model
// with two discriminator steps, for n and for 2n steps within one epoch, with no grid,
// checkpoint or evaluation before the last step, and counts the host waits from the first
// step's statistics to the last step's: the difference of the two runs' counts,
// over n, is what a step costs in steady state. A step must make no driver call that
// waits for the device (a synchronisation, a blocking copy) and never wait for all the
// work queued, while its one wait for the backend's thread (the statistics of the step
// before) is allowed.
func TestRunLoopDoesNotWait(t *testing.T) {
	b := gpu(t)
	waits := hostWaits(t)
	dir := t.TempDir()
	const n = 4
	// Each step takes two batches of 8: 2n steps stay within the first epoch.
	dataDir := writeTinyMNIST(t, filepath.Join(dir, "mnist"), 2*n*2*8+16)
	measure := func(steps int) waitCounts {
		d := &loopCounter{Backend: b, waits: waits}
		cfg := run.Config{Dataset: "mnist", Data: dataDir, Split: "train", Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4,
			BatchSize: 8, Steps: steps, LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Loss: "nonsaturating", DSteps: 2,
			Seed: 1, Device: "cuda", Keep: 1, EMADecay: 0.98, Conditional: true, ReplaySteps: true,
			Out: filepath.Join(dir, fmt.Sprintf("run%d", steps))}
		if err := run.Run(context.Background(), cfg, nil, d, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		if d.waited == 0 {
			t.Fatal("the run waited for no fence: its steps did not queue their statistics")
		}
		return waitCounts{d.end.driver - d.start.driver, d.end.worker - d.start.worker, d.end.drains - d.start.drains}
	}
	short, long := measure(n), measure(2*n)
	per := func(a, b int) float64 { return float64(b-a) / n }
	driver, worker, drains := per(short.driver, long.driver), per(short.worker, long.worker), per(short.drains, long.drains)
	t.Logf("first step's statistics to last (driver waits, waits for the backend's thread, waits on the last fence): %d steps %v, "+
		"%d steps %v; per step: %g, %g, %g", n, short, 2*n, long, driver, worker, drains)
	if driver != 0 || drains != 0 || worker != 1 {
		t.Errorf("per step: %g driver waits, %g waits on the last fence and %g waits for the backend's thread, want 0, 0 and 1",
			driver, drains, worker)
	}
	if short.drains == 0 {
		t.Errorf("no wait on the last fence in a run of %d steps, not even for the last step's statistics: "+
			"the count cannot show a step that waits for its own", n)
	}
}

// writeTinyMNIST writes an MNIST-named training split of count 28×28 images, each a bright
// square at a place of its own, labelled in turn 0 to 9, and returns its folder.
func writeTinyMNIST(t *testing.T, folder string, count int) string {
	t.Helper()
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	pixels, labels := make([]byte, count*28*28), make([]byte, count)
	for i := range count {
		x0, y0 := 4+i%17, 4+(i*7)%17
		for y := y0; y < y0+7; y++ {
			for x := x0; x < x0+7; x++ {
				pixels[i*784+y*28+x] = 255
			}
		}
		labels[i] = byte(i % 10)
	}
	writeIDX(t, filepath.Join(folder, "train-images-idx3-ubyte.gz"), pixels, count, 28, 28)
	writeIDX(t, filepath.Join(folder, "train-labels-idx1-ubyte.gz"), labels, count)
	return folder
}

// writeIDX writes a gzipped IDX file of unsigned bytes with the given dimensions.
func writeIDX(t *testing.T, path string, payload []byte, dims ...int) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte{0, 0, 0x08, byte(len(dims))})
	for _, d := range dims {
		binary.Write(zw, binary.BigEndian, uint32(d))
	}
	zw.Write(payload)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunLoopDivergesAsOnTheCPU trains with a learning rate that makes the losses NaN at
// the second step, once on the CPU and once on the emulated GPU, where the loop reads that
// step's statistics only once the third is queued: the run must stop with the CPU's
// message, naming the step that diverged, log the steps before it only, and write no
// checkpoint.
func TestRunLoopDivergesAsOnTheCPU(t *testing.T) {
	dir := t.TempDir()
	dataDir := writeTinyMNIST(t, filepath.Join(dir, "mnist"), 64)
	var msgs [2]string
	for i, be := range []struct {
		device string
		nn.Backend
	}{{"cpu", cpu.New()}, {"cuda", gpu(t)}} {
		out := filepath.Join(dir, "run")
		os.RemoveAll(out)
		cfg := run.Config{Dataset: "mnist", Data: dataDir, Split: "train", Arch: "dcgan28", NZ: 8, NGF: 4, NDF: 4,
			BatchSize: 8, Steps: 6, LR: 1e30, Beta1: 0.5, Beta2: 0.999, Loss: "wgan", DSteps: 1, Seed: 1,
			Device: be.device, Keep: 1, ReplaySteps: true, Out: out}
		err := run.Run(context.Background(), cfg, nil, be.Backend, io.Discard, io.Discard)
		if err == nil {
			t.Fatalf("%s: a learning rate of 1e30 trained 6 steps", be.device)
		}
		msgs[i] = err.Error()
		if cks, _ := filepath.Glob(filepath.Join(out, "checkpoints", "*")); len(cks) > 0 {
			t.Errorf("%s: the diverged run left checkpoints %v", be.device, cks)
		}
		lines, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(lines, []byte("\n")); n != 1 {
			t.Errorf("%s: metrics.jsonl holds %d steps, want 1, the step before the one that diverged", be.device, n)
		}
	}
	if !strings.HasPrefix(msgs[0], "step 2: loss is not finite") {
		t.Fatalf("on the CPU: %q, want the loss of step 2 not finite", msgs[0])
	}
	if msgs[1] != msgs[0] {
		t.Errorf("on the GPU: %q, on the CPU: %q", msgs[1], msgs[0])
	}
}
