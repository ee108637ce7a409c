//go:build cuda

package cuda

import (
	"os"

	"gogan/cuda/internal/arena"
)

// newArena is the backend's device-memory arena. With GOGAN_CUDA_EXACT_ALLOC=1, which make
// test-cuda-emu sets, every tensor is a driver allocation of its own and of its exact size,
// so that a memory checker watching the driver's allocations (the emulated GPU's canaries and
// AddressSanitizer, or compute-sanitizer on a GPU) sees a kernel step past a tensor's end
// rather than into its neighbour in the same chunk.
func newArena(grow arena.Grow) *arena.Arena {
	if os.Getenv("GOGAN_CUDA_EXACT_ALLOC") == "1" {
		return arena.NewExact(grow)
	}
	return arena.New(grow)
}
