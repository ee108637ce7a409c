package cuda

import "errors"

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

// ErrNotBuilt is what New, Info and Capture report in a build without the cuda tag.
var ErrNotBuilt = errors.New("built without CUDA support; rebuild with make build-cuda")

// Capturer is implemented by backends that can record the work of a function as a CUDA
// graph and replay it with one launch. The function must only queue work: no Upload,
// Download, Sync, New or Free, and nothing that grows scratch memory, which is why a step is
// run once normally before it is captured. Arguments are fixed when the graph is recorded,
// except Adam's step count, which the graph advances on the device.
type Capturer interface {
	Capture(step func()) (Graph, error)
}

// Graph is a recorded sequence of work.
type Graph interface {
	// Launch queues one replay of the recorded work.
	Launch()
	// Close releases the graph.
	Close() error
}
