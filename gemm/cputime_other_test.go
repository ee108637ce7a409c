//go:build !unix

package gemm

import "time"

// processCPU is unknown here; benchmarks then leave out their per-CPU-second figures.
func processCPU() time.Duration { return 0 }
