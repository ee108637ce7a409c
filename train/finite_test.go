package train

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestCheckTensor(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(-1))
	cases := []struct {
		name   string
		values []float32
		want   string // "" for accepted
	}{
		{"0.weight", []float32{0, -3, 1e30}, ""},
		{"1.running_var", []float32{0, 2}, ""},
		{"0.weight", []float32{1, nan}, "at index 1"},
		{"0.weight", []float32{inf}, "-Inf at index 0"},
		{"1.running_var", []float32{1, 1, -0.5}, "negative variance -0.5 at index 2"},
		{"optimizer.generator.0.weight.exp_avg_sq", []float32{-1}, "negative variance"},
		{"1.running_mean", []float32{-1}, ""},
	}
	for _, c := range cases {
		err := CheckTensor(c.name, c.values)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s %v refused: %v", c.name, c.values, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) || !errors.Is(err, ErrNotFinite)):
			t.Errorf("%s %v: error %v, want one naming the tensor and saying %q", c.name, c.values, err, c.want)
		}
	}
}
