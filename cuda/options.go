package cuda

import (
	"errors"

	"gogan/nn"
)

// Options configure the CUDA backend.
type Options struct {
	// Device is the ordinal of the GPU to use, 0 for the first.
	Device int
	// TF32 lets cuBLAS use TensorFloat-32 tensor cores in matrix multiplies (Ampere and
	// newer): several times faster, with a 10-bit mantissa in the products. Off by default,
	// so that results match the CPU backend to float32 rounding.
	TF32 bool
	// SyncEveryLaunch waits for the GPU and checks for errors after every kernel, to find
	// the op behind a fault; GOGAN_CUDA_SYNC=1 in the environment turns it on too.
	SyncEveryLaunch bool
}

// ErrNotBuilt is what New and Info report in a build without the cuda tag, which has no
// Backend and so nothing to capture with.
var ErrNotBuilt = errors.New("built without CUDA support; rebuild with make build-cuda")

// Capturer and Graph are nn's: the CUDA backend records a training step as a CUDA graph.
type (
	Capturer = nn.Capturer
	Graph    = nn.Graph
)
