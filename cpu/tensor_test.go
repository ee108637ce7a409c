package cpu_test

import (
	"testing"

	"gogan/cpu"
)

func TestClamp(t *testing.T) {
	b := cpu.New()
	x := randn(newRand(11), 1000, 0.05)
	tt := tensorOf(b, x, len(x))
	b.Clamp(tt, -0.01, 0.02)
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = float64(min(max(float32(v), -0.01), 0.02))
	}
	checkNMSE(t, "clamped", to64(tt.Host), want, 0)
}
