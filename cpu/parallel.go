package cpu

import (
	"runtime"
	"sync"
)

// elementGrain is the smallest share of an elementwise op worth a goroutine.
const elementGrain = 1 << 14

// parallelFor runs fn over [0, n) split into contiguous ranges, one per core, each at least
// grain long, and waits for them. Every index is visited by exactly one call, so ops whose
// ranges write disjoint outputs are deterministic whatever the core count.
func parallelFor(n, grain int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if grain < 1 {
		grain = 1
	}
	workers = min(workers, (n+grain-1)/grain)
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
