//go:build !cuda

package cuda

import "gogan/nn"

// New reports that this build has no CUDA support.
func New(opts Options) (nn.Backend, error) { return nil, ErrNotBuilt }

// Available reports whether a CUDA backend can be made: never in this build.
func Available() bool { return false }

// Info would describe the GPUs, the driver and cuBLAS; this build has none of them.
func Info() (string, error) { return "", ErrNotBuilt }
