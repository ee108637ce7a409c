//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

// The blocking keeps a KC×NR panel of B in the 32–48 KiB L1, an MC×KC block of A in the L2
// and a KC×NC block of B in the L3.
var (
	avx512Path = &path{name: "avx512", mr: 12, nr: 32, kc: 256, mc: 240, nc: 4096, kernel: avx512Kernel12x32,
		copy: copyAVX512, transpose: transposeAVX512, dot: &dotKernels{avx512Dot4x4, avx512Dot1x4}, variants: []*path{
			avx512Variant("avx512-8x32", 8, 32, 0.96, avx512Kernel8x32),
			avx512Variant("avx512-4x32", 4, 32, 0.86, avx512Kernel4x32),
			avx512Variant("avx512-1x32", 1, 32, 0.31, avx512Kernel1x32),
			// 16×16 runs as fast as 12×32 in the L1 cache, but its sixteen short rows of C
			// per tile halve its speed on the models' short sums; it pays only where C has
			// 16 columns.
			avx512Variant("avx512-16x16", 16, 16, 0.5, avx512Kernel16x16),
		}}
	avx2Path = &path{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 120, nc: 4096, kernel: avx2Kernel6x16,
		copy: copyAVX2, transpose: transposeAVX2}
)

// avx512Variant is an AVX-512 path with a narrower tile, for matrices that a 12×32 tile
// would mostly pad. It keeps the main path's depth kc, and so its rounding. speed is its
// measured speed relative to the 12×32 tile's (BenchmarkKernel and BenchmarkSgemm).
func avx512Variant(name string, mr, nr int, speed float64, k kernelFunc) *path {
	return &path{name: name, mr: mr, nr: nr, kc: 256, mc: 240, nc: 4096, speed: speed, kernel: k,
		copy: copyAVX512, transpose: transposeAVX512}
}

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

// copyAVX512 is the copyFunc of the AVX-512 path, for widths up to 32.
func copyAVX512(dst []float32, pstride int, src []float32, lds, kc, cols, width int) {
	panels := ceilDiv(cols, width)
	// The assembly trusts its pointers: check the extent of both operands once here.
	_, _ = dst[(panels-1)*pstride+kc*width-1], src[(kc-1)*lds+cols-1]
	avx512PackRows(&dst[0], pstride, &src[0], lds, kc, width, panels, lowBits(width), lowBits(cols-(panels-1)*width))
}

// transposeAVX512 is the transposeFunc of the AVX-512 path, for widths up to 32: it
// transposes in slices of 16 rows.
func transposeAVX512(dst []float32, ldd int, src []float32, lds, rows, kc, width int) {
	_ = dst[(kc-1)*ldd+width-1]
	if rows > 0 {
		_ = src[(rows-1)*lds+kc-1]
	}
	for h := 0; h < width; h += 16 {
		r, s := min(max(rows-h, 0), 16), src
		if r > 0 {
			s = src[h*lds:]
		}
		avx512PackTranspose(&dst[h], ldd, &s[0], lds, r, kc, lowBits(min(16, width-h)))
	}
}

// copyAVX2 is the copyFunc of the AVX2 path: assembly for the whole panels of its two
// widths, Go for the edge and other widths.
func copyAVX2(dst []float32, pstride int, src []float32, lds, kc, cols, width int) {
	full := cols / width
	if full > 0 && (width == 16 || width == 6) {
		_, _ = dst[(full-1)*pstride+kc*width-1], src[(kc-1)*lds+full*width-1]
		if width == 16 {
			avx2PackRows16(&dst[0], pstride, &src[0], lds, kc, full)
		} else {
			avx2PackRows6(&dst[0], pstride, &src[0], lds, kc, full)
		}
		if cols == full*width {
			return
		}
		dst, src, cols = dst[full*pstride:], src[full*width:], cols-full*width
	}
	copyGo(dst, pstride, src, lds, kc, cols, width)
}

// transposeAVX2 is the transposeFunc of the AVX2 path: assembly for full panels of its two
// widths in blocks of 8 columns, Go for the rest.
func transposeAVX2(dst []float32, ldd int, src []float32, lds, rows, kc, width int) {
	blocks := kc / 8
	if rows == width && blocks > 0 && (width == 16 || width == 6) {
		_, _ = dst[(8*blocks-1)*ldd+width-1], src[(rows-1)*lds+8*blocks-1]
		if width == 16 {
			avx2PackTranspose8(&dst[0], ldd, &src[0], lds, blocks)
			avx2PackTranspose8(&dst[8], ldd, &src[8*lds], lds, blocks)
		} else {
			avx2PackTranspose6(&dst[0], ldd, &src[0], lds, blocks)
		}
		if kc == 8*blocks {
			return
		}
		dst, src, kc = dst[8*blocks*ldd:], src[8*blocks:], kc-8*blocks
	}
	transposeGo(dst, ldd, src, lds, rows, kc, width)
}
