//go:build cuda

package cuda

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/cu"

	"gogan/nn"
)

// TestOutOfMemorySuggestsSmallerBatch allocates until the GPU is full, on a backend of its
// own, and expects Sync to say so and to suggest a smaller batch.
func TestOutOfMemorySuggestsSmallerBatch(t *testing.T) {
	nb, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := nb.(*Backend)
	defer b.Close()
	const elems = 1 << 29 // 2 GiB
	var made []*nn.Tensor
	for range 1024 {
		x := b.New(elems)
		made = append(made, x)
		if x.Device == 0 {
			break
		}
	}
	err = b.Sync()
	if err == nil {
		t.Fatalf("%d tensors of 2 GiB fitted on the GPU", len(made))
	}
	for _, want := range []string{"out of memory", "--batch-size", "New"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error %q is not one line", err)
	}
	// Work after the failure is skipped, and what comes back is NaN, never stale values.
	out := make([]float32, 4)
	b.Download(out, made[0].View(0, 4))
	if !math.IsNaN(float64(out[0])) {
		t.Errorf("Download after a failure gave %g, want NaN", out[0])
	}
}

// TestErrorNamesTheOp makes a launch fail, with a grid of 2³¹ blocks, one more than the
// driver allows, which it refuses without harm to the context, and expects Sync to name the op and later work to be
// skipped.
func TestErrorNamesTheOp(t *testing.T) {
	nb, err := New(Options{SyncEveryLaunch: true})
	if err != nil {
		t.Fatal(err)
	}
	b := nb.(*Backend)
	defer b.Close()
	x := b.New(4)
	b.Fill(x, 1)
	b.enqueue("BrokenOp", func() error { return b.clampF32(1<<31, x.Device, 4, 0, 1) })
	b.Fill(x, 3)
	err = b.Sync()
	if err == nil || !strings.Contains(err.Error(), "cuda: BrokenOp: kernel clamp_f32:") {
		t.Fatalf("Sync = %v, want the error of BrokenOp", err)
	}
	out := make([]float32, 4)
	b.Download(out, x)
	if !math.IsNaN(float64(out[0])) {
		t.Errorf("Download after a failure gave %g, want NaN", out[0])
	}
}

// TestDebugSyncGivesSameResults runs an op on a backend that synchronises after every
// launch: the results must not change.
func TestDebugSyncGivesSameResults(t *testing.T) {
	nb, err := New(Options{SyncEveryLaunch: true})
	if err != nil {
		t.Fatal(err)
	}
	dbg := nb.(*Backend)
	defer dbg.Close()
	var res [2][]float32
	for i, b := range []nn.Backend{gpu(t), dbg} {
		r := newRig(b, 5)
		x, w := r.randn(2, 3, 8, 8), r.randn(4, 3, 4, 4)
		out := r.zeros(2, 4, 4, 4)
		b.Conv2DForward(out, x, w, nil, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1})
		r.out("out", out)
		res[i] = r.results(t)["out"]
	}
	compare(t, "conv with GOGAN_CUDA_SYNC", res[1], res[0], 0)
}

// TestInfo lists at least the GPU the tests run on, the driver and cuBLAS.
func TestInfo(t *testing.T) {
	gpu(t)
	s, err := Info()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CUDA driver", "GPU 0:", "compute capability", "cuBLAS", "libcublas.so"} {
		if !strings.Contains(s, want) {
			t.Errorf("Info does not mention %q:\n%s", want, s)
		}
	}
	if !Available() {
		t.Error("Available() = false on a machine that runs the GPU tests")
	}
	// Info names the cuBLAS that New chose, not merely the first that loads.
	if b := gpu(t); !strings.Contains(s, b.lib.Path+" (found in "+b.lib.Where+")") {
		t.Errorf("Info's cuBLAS line is not the backend's %s (found in %s):\n%s", b.lib.Path, b.lib.Where, s)
	}
	t.Log("\n" + s)
}

// TestJITErrorLog loads PTX that the JIT compiler rejects and expects its log in the error,
// which names the line at fault, not only the driver's "PTX JIT compilation failed".
func TestJITErrorLog(t *testing.T) {
	b := gpu(t)
	if strings.Contains(strings.ToLower(b.desc), "emulated") {
		t.Skip("the emulated device does not compile PTX")
	}
	const broken = ".version 7.8\n.target sm_70\n.address_size 64\n.visible .entry broken()\n{\n\tnot_an_instruction;\n\tret;\n}\n"
	var err error
	b.w.call(func() {
		var m cu.Module
		if m, err = loadModule(broken); err == nil {
			m.Unload()
		}
	})
	if err == nil {
		t.Fatal("the driver compiled broken PTX")
	}
	if !strings.Contains(err.Error(), "the JIT compiler says") || !strings.Contains(err.Error(), "not_an_instruction") {
		t.Fatalf("error %q does not carry the JIT log naming the bad instruction", err)
	}
	t.Log(err)
}

// TestNoSuchGPU asks for a GPU past the last one.
func TestNoSuchGPU(t *testing.T) {
	_, err := New(Options{Device: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "no GPU") {
		t.Fatalf("New(Device: 1<<20) = %v, want a no-such-GPU error", err)
	}
}
