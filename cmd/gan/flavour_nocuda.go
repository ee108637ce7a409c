//go:build !cuda

package main

// buildFlavour names the build in gan info, and defaultDevice is --device's default.
const (
	buildFlavour  = "cpu (pure Go; rebuild with make build-cuda for GPUs)"
	defaultDevice = "cpu"
)
