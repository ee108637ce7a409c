package main

import (
	"errors"
	"fmt"
	"io"

	"gogan/cpu"
	"gogan/cuda"
	"gogan/nn"
)

// newBackend returns the backend for a --device value.
func newBackend(device string) (nn.Backend, error) { return newBackendTF32(device, false) }

// newBackendTF32 is newBackend with, on the GPU, TensorFloat-32 products allowed or not.
func newBackendTF32(device string, tf32 bool) (nn.Backend, error) {
	switch device {
	case "cpu":
		return cpu.New(), nil
	case "cuda":
		b, err := cuda.New(cuda.Options{TF32: tf32})
		if err != nil && !errors.Is(err, cuda.ErrNotBuilt) {
			return nil, fmt.Errorf("%w; --device cpu runs on the CPU", err)
		}
		return b, err
	}
	return nil, fmt.Errorf("unknown device %q (want cpu or cuda)", device)
}

// gpuInfo prints the GPUs, the driver and cuBLAS, or why there are none.
func gpuInfo(w io.Writer) error {
	info, err := cuda.Info()
	if err != nil {
		// Info may describe the GPUs and still fail on cuBLAS: show both.
		if info != "" {
			fmt.Fprintln(w, info)
		}
		_, werr := fmt.Fprintf(w, "gpus: not usable: %v\n", err)
		return werr
	}
	_, err = fmt.Fprintln(w, info)
	return err
}
