package cpu_test

import (
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
)

func TestClamp(t *testing.T) {
	b := cpu.New()
	x := nntest.Randn(nntest.NewRand(11), 1000, 0.05)
	tt := nntest.TensorOf(b, x, len(x))
	b.Clamp(tt, -0.01, 0.02)
	want := make([]float64, len(x))
	for i, v := range x {
		want[i] = float64(min(max(float32(v), -0.01), 0.02))
	}
	nntest.CheckNMSE(t, "clamped", nntest.To64(tt.Host), want, 0)
}
