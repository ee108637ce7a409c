package run

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"gogan/internal/atomicfile"
	"gogan/metrics"
)

// Series is one named curve of a plot panel.
type Series struct {
	Name   string
	Values func(Record) float64
}

// Panel is one plot of a figure: a title, a y label, and curves over the generator step.
type Panel struct {
	Title, YLabel string
	Series        []Series
	Lines         []Reference // horizontal reference lines, e.g. log 4
	// Probability fixes the y axis at [0, 1] (widened only if a value falls outside).
	Probability bool
	// Sparse series are measured at a few steps: drawn as dots, not smoothed.
	Sparse bool
}

// Reference is a horizontal line that a curve is read against.
type Reference struct {
	Name string
	Y    float64
}

// LossPanels are the panels of loss.png: the losses, and D's mean outputs, which the GAN
// paper's theory expects near ½ at equilibrium.
func LossPanels() []Panel {
	return []Panel{
		{Title: "Losses", YLabel: "loss", Series: []Series{
			{"loss D", func(r Record) float64 { return r.LossD }},
			{"loss G", func(r Record) float64 { return r.LossG }},
		}},
		{Title: "Discriminator outputs", YLabel: "mean D(·)", Series: []Series{
			{"D(x), real", func(r Record) float64 { return r.DReal }},
			{"D(G(z)), generated", func(r Record) float64 { return r.DFake }},
		}, Lines: []Reference{{"½, the equilibrium", 0.5}}, Probability: true},
	}
}

// QualityPanel plots the Fréchet distance measured by --eval-every, of G and, with ema, of
// the averaged G, against the floor that a second sample of real images reaches.
func QualityPanel(floor float64, ema bool) Panel {
	fd := func(s *metrics.Scores) float64 {
		if s == nil {
			return math.NaN()
		}
		return s.FrechetDistance
	}
	series := []Series{{"generated vs real", func(r Record) float64 { return fd(r.Quality) }}}
	if ema {
		series[0].Name = "G vs real"
		series = append(series, Series{"averaged G vs real", func(r Record) float64 { return fd(r.QualityEMA) }})
	}
	return Panel{Title: "Quality (Fréchet distance in the classifier's features)", YLabel: "distance",
		Series: series, Lines: []Reference{{"real vs real", floor}}, Sparse: true}
}

// lossFigure sizes loss.png: 960 pixels wide, 310 per panel.
const lossWidth, lossRowHeight = 10 * vg.Inch, 3.23 * vg.Inch

// WritePlot draws the panels, stacked, over the records and writes a PNG atomically.
func WritePlot(path string, records []Record, panels []Panel) error {
	img, _, err := renderPlot(records, panels)
	if err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, img, 0o644)
}

// renderPlot draws the panels and returns the PNG and where each panel's data and legend are.
func renderPlot(records []Record, panels []Panel) ([]byte, []panelLayout, error) {
	epochs := epochSpans(records)
	var steps *[2]float64
	if len(records) > 0 {
		steps = &[2]float64{float64(records[0].Step), float64(records[len(records)-1].Step)}
	}
	specs := make([]panelSpec, len(panels))
	for i, panel := range panels {
		s := panelSpec{title: panel.Title, yLabel: panel.YLabel, integerX: true, epochs: epochs, xRange: steps,
			xLabel: "generator step"}
		if len(epochs) > 1 {
			s.xLabel = "generator step (dotted: end of an epoch)"
		}
		if panel.Probability {
			s.fixedY = &[2]float64{0, 1}
		}
		for j, series := range panel.Series {
			pts := make(plotter.XYs, 0, len(records))
			for _, r := range records {
				// A series that is measured only at some steps returns NaN at the others.
				if y := series.Values(r); !math.IsNaN(y) {
					pts = append(pts, plotter.XY{X: float64(r.Step), Y: y})
				}
			}
			s.curves = append(s.curves, curve{name: series.Name, pts: pts, color: palette[j%len(palette)],
				smooth: !panel.Sparse, dots: panel.Sparse})
		}
		for _, l := range panel.Lines {
			s.refs = append(s.refs, refLine{name: l.Name, y: l.Y})
		}
		specs[i] = s
	}
	return renderFigure(lossWidth, lossRowHeight, specs)
}
