package cpu

import (
	"runtime"

	"gogan/internal/workers"
)

// elementGrain is the smallest share of an elementwise op worth a worker.
const elementGrain = 1 << 14

// parallelFor runs t over the units [0, n) in chunks of at least grain units, on the
// caller and up to GOMAXPROCS−1 pool goroutines, and returns when all are done. Chunks are
// claimed dynamically, so a core that another process slows down takes fewer of them; every
// unit is run by exactly one call, so ops whose units write disjoint outputs with the same
// arithmetic whatever the range are deterministic whatever the core count.
func parallelFor(t workers.Task, n, grain int) {
	procs := runtime.GOMAXPROCS(0)
	// A few chunks per core balance the load without making claims a cost; workers.Run
	// runs a single chunk, or a single core's work, on the caller.
	workers.Run(t, n, max(grain, 1, (n+4*procs-1)/(4*procs)), procs)
}
