//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The blocking keeps a KC×NR panel of B in the 32–48 KiB L1, an MC×KC block of A in the L2
// and a KC×NC block of B in the L3.
var (
	avx512Path = &path{name: "avx512", mr: 12, nr: 32, kc: 256, mc: 240, nc: 4096, kernel: avx512Kernel12x32}
	avx2Path   = &path{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 120, nc: 4096, kernel: avx2Kernel6x16}
)

// supportedPaths lists the paths this CPU can run, fastest first.
func supportedPaths() []*path {
	var ps []*path
	// x/sys/cpu also checks that the OS saves the zmm and ymm registers.
	if cpu.X86.HasAVX512F {
		ps = append(ps, avx512Path)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ps = append(ps, avx2Path)
	}
	return append(ps, goPath)
}

func bestPath() *path { return supportedPaths()[0] }
