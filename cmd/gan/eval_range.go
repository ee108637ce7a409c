package main

import (
	"fmt"
	"io"

	"gorgonia.org/tensor"
)

// warnOutOfRange warns once when samples hold values outside [-1, 1]: the scores clamp them,
// as saving them as pictures would, so samples made in another range (such as [0, 1] or
// [0, 255] as floats) would otherwise be scored as if they were right.
func warnOutOfRange(stderr io.Writer, path string, images *tensor.Dense) {
	values, ok := images.Data().([]float32)
	if !ok || len(values) == 0 {
		return
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if lo < -1 || hi > 1 {
		fmt.Fprintf(stderr, "gan eval: warning: %s holds values from %g to %g, outside the [-1, 1] images are scored in; they are clamped to it\n", path, lo, hi)
	}
}
