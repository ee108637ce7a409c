//go:build !unix

package data

// processCPUSeconds is 0 where getrusage is not offered: the benchmark then reports no
// images/cpu-s.
func processCPUSeconds() float64 { return 0 }
