package run

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// roundTicks labels an axis at 1, 2 or 5 times a power of ten, as integers on a step axis,
// with unlabelled minor ticks between.
type roundTicks struct{ integer bool }

func (t roundTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: strconv.FormatFloat(lo, 'g', 4, 64)}}
	}
	step, mantissa := roundStep((hi - lo) / 5)
	if t.integer && step < 1 {
		step, mantissa = 1, 1
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	minor := step / 5
	if mantissa == 2 {
		minor = step / 4
	}
	if t.integer && minor < 1 {
		minor = 0
		if step > 1 {
			minor = 1
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(lo / step); k*step <= hi+step*1e-9; k++ {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', decimals, 64)})
		for j := 1; minor > 0 && float64(j)*minor < step-minor/2; j++ {
			if m := v + float64(j)*minor; m <= hi {
				ticks = append(ticks, plot.Tick{Value: m})
			}
		}
	}
	if first := math.Ceil(lo/step)*step - step; minor > 0 {
		for m := first + step - minor; m >= lo; m -= minor {
			ticks = append(ticks, plot.Tick{Value: m})
		}
	}
	return ticks
}

// roundStep is the 1, 2 or 5 times a power of ten nearest to x, and that 1, 2 or 5.
func roundStep(x float64) (float64, int) {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	switch f := x / p; {
	case f < 1.5:
		return p, 1
	case f < 3.5:
		return 2 * p, 2
	case f < 7.5:
		return 5 * p, 5
	default:
		return 10 * p, 1
	}
}
