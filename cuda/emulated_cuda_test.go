//go:build cuda

package cuda

import (
	"errors"
	"os"
	"strings"
	"testing"

	"gorgonia.org/cu"
)

// emulated reports whether the tests run on gogan's CUDA emulator (make test-cuda-emu), which
// runs the kernels on the CPU, a training step in about a second: the longest tests take
// fewer steps there, enough for what they check.
func emulated(t testing.TB) bool {
	return strings.Contains(strings.ToLower(gpu(t).desc), "emulated")
}

// emulatedSteps is n on a GPU and short on the emulator, unless GOGAN_EMU_FULL_LENGTH=1
// asks for the GPU's length there too.
func emulatedSteps(t testing.TB, n, short int) int {
	if emulated(t) && os.Getenv("GOGAN_EMU_FULL_LENGTH") != "1" {
		t.Logf("emulated device: %d steps instead of %d", short, n)
		return short
	}
	return n
}

// TestEmulatorFindsAnOutOfBoundsLaunch plants, through the real launch code, the fault that
// the emulated GPU's memory checks are for: clamp_f32 over one element more than its tensor
// holds. With GOGAN_CUDA_EXACT_ALLOC=1 the tensor ends where its driver allocation does, and
// the emulator's canary after it, or AddressSanitizer, sees the write.
func TestEmulatorFindsAnOutOfBoundsLaunch(t *testing.T) {
	if !emulated(t) {
		t.Skip("a GPU does not check a kernel's accesses: make test-cuda-emu runs this test")
	}
	if os.Getenv("GOGAN_CUDA_EXACT_ALLOC") != "1" {
		t.Skip("needs GOGAN_CUDA_EXACT_ALLOC=1, which make test-cuda-emu sets, for tensors with allocations of their own")
	}
	if strings.Contains(gpu(t).desc, "AddressSanitizer") && os.Getenv("GOGAN_EMU_PLANT_OOB") != "1" {
		t.Skip("AddressSanitizer ends the process at the bad write: make test-cuda-emu runs this test alone with GOGAN_EMU_PLANT_OOB=1 and expects the report")
	}
	nb, err := New(Options{SyncEveryLaunch: true})
	if err != nil {
		t.Fatal(err)
	}
	b := nb.(*Backend)
	defer b.Close()
	x := b.New(100)
	b.Fill(x, 2)
	b.enqueue("PlantedOutOfBounds", func() error { return b.clampF32(1, x.Device, 101, 0, 1) })
	err = b.Sync()
	if err == nil || !strings.Contains(err.Error(), "PlantedOutOfBounds") || !strings.Contains(err.Error(), "illegal memory access") {
		t.Fatalf("Sync = %v, want an illegal memory access in PlantedOutOfBounds", err)
	}
	t.Log(err)
}

// TestEmulatorRefusesWhatItDoesNotEmulate calls a driver entry point that the emulator only
// stubs: it must answer CUDA_ERROR_NOT_SUPPORTED rather than pretend.
func TestEmulatorRefusesWhatItDoesNotEmulate(t *testing.T) {
	if !emulated(t) {
		t.Skip("a GPU supports managed memory: the stubs are the emulator's")
	}
	b := gpu(t)
	var err error
	b.w.call(func() { _, err = cu.MemAllocManaged(64, cu.AttachGlobal) })
	if !errors.Is(err, cu.NotSupported) {
		t.Fatalf("cuMemAllocManaged on the emulator = %v, want NotSupported", err)
	}
}
