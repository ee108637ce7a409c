package main

import (
	"fmt"

	"gogan/cpu"
	"gogan/nn"
)

// defaultDevice is the --device default: cuda in the cuda build, cpu otherwise.
var defaultDevice = "cpu"

// newBackend returns the backend for a --device value.
func newBackend(device string) (nn.Backend, error) {
	switch device {
	case "cpu":
		return cpu.New(), nil
	case "cuda":
		return newCUDABackend()
	}
	return nil, fmt.Errorf("unknown device %q (want cpu or cuda)", device)
}
