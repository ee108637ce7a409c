package main

import (
	"fmt"
	"io"

	"gogan/nn"
)

// buildFlavour names the build in gan info.
const buildFlavour = "cpu (pure Go)"

func newCUDABackend() (nn.Backend, error) {
	return nil, errNoCUDA
}

func gpuInfo(w io.Writer) error {
	_, err := fmt.Fprintf(w, "gpus: none usable: %v\n", errNoCUDA)
	return err
}
