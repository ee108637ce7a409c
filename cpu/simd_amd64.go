//go:build amd64 && !purego

package cpu

import xcpu "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 loops for the elementwise ops: activation_amd64.s holds the
// activations', simd_amd64.s BatchNorm's and Adam's. Each does the same IEEE operations in
// the same order as the Go loop it replaces, so both give the same bits
// (TestSIMDMatchesGo); x/sys/cpu also checks that the OS saves the zmm registers.
var useAVX512 = xcpu.X86.HasAVX512F

// The loops below take n ≥ 0 elements from pointers to the first; the callers check the
// slices' lengths, since the assembly trusts them.

// reluAVX512 sets dst = max(src, 0) with Go's max: NaN stays NaN, −0 becomes +0.
//
//go:noescape
func reluAVX512(dst, src *float32, n int)

// leakyAVX512 sets dst = max(src, src·slope), LeakyReLU for 0 < slope ≤ 1.
//
//go:noescape
func leakyAVX512(dst, src *float32, n int, slope float32)

// reluGradAVX512 sets dx = dy where x > 0 and +0 elsewhere.
//
//go:noescape
func reluGradAVX512(dx, dy, x *float32, n int)

// leakyGradAVX512 sets dx = dy·1 where x > 0 and dy·slope elsewhere.
//
//go:noescape
func leakyGradAVX512(dx, dy, x *float32, n int, slope float32)

// tanhGradAVX512 sets dx = dy·(1 − y·y).
//
//go:noescape
func tanhGradAVX512(dx, dy, y *float32, n int)

// scaleShiftAVX512 sets dst = src·scale + shift.
//
//go:noescape
func scaleShiftAVX512(dst, src *float32, n int, scale, shift float32)

// bnGradAVX512 sets dx = a·dy + b·(x − mu) + c.
//
//go:noescape
func bnGradAVX512(dx, dy, x *float32, n int, a, b, mu, c float32)

// adamAVX512 is adamTask.run without weight decay, on n elements.
//
//go:noescape
func adamAVX512(params, grads, mom, vel *float32, n int, k *adamConsts)

// shiftedSumsAVX512 is shiftedSums in eight float64 lanes.
//
//go:noescape
func shiftedSumsAVX512(v *float32, n int, shift float64) (s1, s2 float64)

// gradSumsAVX512 is gradSums in eight float64 lanes.
//
//go:noescape
func gradSumsAVX512(dy, x *float32, n int, mean float64) (sdy, sdyx float64)

// fourTapsAVX512 is im2colTask.fourTaps for the arguments a (im2col_k4s2.go).
//
//go:noescape
func fourTapsAVX512(a *fourTapArgs)

// sumTapsAVX512 is col2imTask.fourTaps for one plane, given col at row (c, 0, 0) of the
// plane's image (im2col_k4s2.go).
//
//go:noescape
func sumTapsAVX512(plane, col *float32, a *sumTapArgs)
