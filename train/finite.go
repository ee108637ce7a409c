package train

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrNotFinite is wrapped by the errors of weights that hold NaN or infinity, or a negative
// running variance: a generator with such weights draws nothing but black.
var ErrNotFinite = errors.New("the weights are unusable")

// CheckTensor reports the first value of a named tensor that no trained network holds: NaN,
// ±Inf, or a negative BatchNorm running variance (or Adam second moment).
func CheckTensor(name string, values []float32) error {
	nonNegative := strings.HasSuffix(name, "running_var") || strings.HasSuffix(name, "exp_avg_sq")
	for i, v := range values {
		f := float64(v)
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return fmt.Errorf("tensor %q holds %g at index %d: %w", name, v, i, ErrNotFinite)
		case nonNegative && v < 0:
			return fmt.Errorf("tensor %q holds the negative variance %g at index %d: %w", name, v, i, ErrNotFinite)
		}
	}
	return nil
}
