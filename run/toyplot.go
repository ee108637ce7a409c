package run

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"gogan/internal/atomicfile"
)

// darker is c at two thirds of its brightness, for a reference line that belongs to a curve.
func darker(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	return color.RGBA{R: uint8(r >> 8 * 2 / 3), G: uint8(g >> 8 * 2 / 3), B: uint8(b >> 8 * 2 / 3), A: 255}
}

// toyWidth and toyRowHeight size toy.png: 960 pixels wide, two panels of 336.
const toyWidth, toyRowHeight = 10 * vg.Inch, 3.5 * vg.Inch

// WriteToyPlot draws the toy experiment's figure (package toy): a generated curve, sampled at
// xs, between the bounds of the real ones, and the history of D(real) and D's loss against
// their values at the optimum.
func WriteToyPlot(path string, generated []float32, history []Record, xs []float64) error {
	img, _, err := renderToyPlot(generated, history, xs)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, img, 0o644)
}

func renderToyPlot(generated []float32, history []Record, xs []float64) ([]byte, []panelLayout, error) {
	upper, lower, gen := make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs)), make(plotter.XYs, len(xs))
	for i, x := range xs {
		upper[i] = plotter.XY{X: x, Y: 2*x*x + 1}
		lower[i] = plotter.XY{X: x, Y: x * x}
		gen[i] = plotter.XY{X: x, Y: float64(generated[i])}
	}
	curves := panelSpec{title: "A generated curve between the bounds of the real ones", xLabel: "x", yLabel: "y",
		curves: []curve{
			{name: "upper bound 2x²+1", pts: upper, color: palette[0]},
			{name: "generated", pts: gen, color: palette[1], dots: true},
			{name: "lower bound x²", pts: lower, color: palette[2]},
		}}
	dReal, lossD := make(plotter.XYs, len(history)), make(plotter.XYs, len(history))
	for k, r := range history {
		dReal[k] = plotter.XY{X: float64(r.Step), Y: r.DReal}
		lossD[k] = plotter.XY{X: float64(r.Step), Y: r.LossD}
	}
	hist := panelSpec{title: "D(real) → ½ and D's loss → log 4", xLabel: "step", yLabel: "D(real), loss D", integerX: true,
		curves: []curve{
			{name: "D(real)", pts: dReal, color: palette[0], smooth: true},
			{name: "loss D", pts: lossD, color: palette[1], smooth: true},
		},
		refs: []refLine{{"½, D(real) at the optimum", 0.5, darker(palette[0])},
			{"log 4 ≈ 1.386, loss D at the optimum", math.Log(4), darker(palette[1])}}}
	return renderFigure(toyWidth, toyRowHeight, []panelSpec{curves, hist})
}
