//go:build cuda

package cuda

import (
	"strings"
	"testing"
)

// emulated reports whether the tests run on gogan's CUDA emulator (make test-cuda-emu), which
// runs the kernels on the CPU, a training step in about a second: the longest tests take
// fewer steps there, enough for what they check.
func emulated(t testing.TB) bool {
	return strings.Contains(strings.ToLower(gpu(t).desc), "emulated")
}

// emulatedSteps is n on a GPU and short on the emulator.
func emulatedSteps(t testing.TB, n, short int) int {
	if emulated(t) {
		t.Logf("emulated device: %d steps instead of %d", short, n)
		return short
	}
	return n
}
