//go:build cuda

package main

// buildFlavour names the build in gan info, and defaultDevice is --device's default.
const (
	buildFlavour  = "cuda"
	defaultDevice = "cuda"
)
