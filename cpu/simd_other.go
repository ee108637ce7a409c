//go:build !amd64 || purego

package cpu

// useAVX512 is false off amd64: the Go loops run everywhere else.
var useAVX512 = false

func reluAVX512(dst, src *float32, n int)                               { panic("cpu: no AVX-512") }
func leakyAVX512(dst, src *float32, n int, slope float32)               { panic("cpu: no AVX-512") }
func reluGradAVX512(dx, dy, x *float32, n int)                          { panic("cpu: no AVX-512") }
func leakyGradAVX512(dx, dy, x *float32, n int, slope float32)          { panic("cpu: no AVX-512") }
func tanhGradAVX512(dx, dy, y *float32, n int)                          { panic("cpu: no AVX-512") }
func scaleShiftAVX512(dst, src *float32, n int, scale, shift float32)   { panic("cpu: no AVX-512") }
func bnGradAVX512(dx, dy, x *float32, n int, a, b, mu, c float32)       { panic("cpu: no AVX-512") }
func adamAVX512(params, grads, mom, vel *float32, n int, k *adamConsts) { panic("cpu: no AVX-512") }

func shiftedSumsAVX512(v *float32, n int, shift float64) (s1, s2 float64) { panic("cpu: no AVX-512") }
func gradSumsAVX512(dy, x *float32, n int, mean float64) (sdy, sdyx float64) {
	panic("cpu: no AVX-512")
}

func fourTapsAVX512(a *fourTapArgs) { panic("cpu: no AVX-512") }

func sumTapsAVX512(plane, col *float32, a *sumTapArgs) { panic("cpu: no AVX-512") }
