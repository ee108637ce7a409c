package gemm

import (
	"math"
	"testing"
	"time"
)

// BenchmarkKernel measures one micro-kernel call on packed panels that stay in L1 and L2:
// the ceiling that the blocking and packing around it can approach, per core.
func BenchmarkKernel(b *testing.B) {
	var paths []*path
	for _, p := range supportedPaths() {
		paths = append(append(paths, p), p.variants...)
	}
	for _, pth := range paths {
		b.Run(pth.name, func(b *testing.B) {
			kc := pth.kc
			a, bp, c := alignedFloats(pth.mr*kc), alignedFloats(kc*pth.nr), alignedFloats(pth.mr*pth.nr)
			for i := range a {
				a[i] = 1e-3
			}
			for i := range bp {
				bp[i] = 1e-3
			}
			// Timing batches of calls, not single ones, keeps the clock's cost out.
			const batch = 100
			best := time.Duration(math.MaxInt64)
			cpu0 := processCPU()
			for b.Loop() {
				t0 := time.Now()
				for range batch {
					pth.kernel(kc, &a[0], pth.mr, &bp[0], pth.nr, &c[0], pth.nr, 1, 1)
				}
				best = min(best, time.Since(t0))
			}
			reportFlops(b, 2*float64(pth.mr*pth.nr*kc)*batch, best, processCPU()-cpu0)
		})
	}
}
