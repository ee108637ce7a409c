package train

import (
	"bytes"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

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
	Lines         map[string]float64 // horizontal reference lines by label, e.g. log 4
}

// LossPanels are the panels of loss.png: the losses, and D's mean outputs, which the GAN
// paper's theory expects near ½ at equilibrium.
func LossPanels() []Panel {
	return []Panel{
		{Title: "Losses", YLabel: "loss", Series: []Series{
			{"loss D", func(r Record) float64 { return r.LossD }},
			{"loss G", func(r Record) float64 { return r.LossG }},
		}},
		{Title: "Discriminator outputs", YLabel: "mean σ(logit)", Series: []Series{
			{"D(x)", func(r Record) float64 { return r.DReal }},
			{"D(G(z))", func(r Record) float64 { return r.DFake }},
		}, Lines: map[string]float64{"½": 0.5}},
	}
}

var palette = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},
	color.RGBA{R: 255, G: 127, B: 14, A: 255},
	color.RGBA{R: 44, G: 160, B: 44, A: 255},
	color.RGBA{R: 214, G: 39, B: 40, A: 255},
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
		Series: series, Lines: map[string]float64{"real vs real": floor}}
}

// WritePlot draws the panels, stacked, over the records and writes a PNG atomically.
func WritePlot(path string, records []Record, panels []Panel) error {
	const width, rowHeight = 8 * vg.Inch, 3 * vg.Inch
	canvas := vgimg.New(width, rowHeight*vg.Length(len(panels)))
	dc := draw.New(canvas)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(4), PadBottom: vg.Points(4), PadX: vg.Points(4), PadY: vg.Points(8)}
	for i, panel := range panels {
		p := plot.New()
		p.Title.Text = panel.Title
		p.X.Label.Text = "generator step"
		p.Y.Label.Text = panel.YLabel
		p.Legend.Top = true
		for j, s := range panel.Series {
			pts := make(plotter.XYs, 0, len(records))
			for _, r := range records {
				// A series that is measured only at some steps returns NaN at the others.
				if y := s.Values(r); !math.IsNaN(y) {
					pts = append(pts, plotter.XY{X: float64(r.Step), Y: y})
				}
			}
			if len(pts) == 0 {
				continue
			}
			line, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("plot %s: %w", path, err)
			}
			line.Color = palette[j%len(palette)]
			p.Add(line)
			p.Legend.Add(s.Name, line)
		}
		for label, y := range panel.Lines {
			if len(records) == 0 {
				continue
			}
			ref, err := plotter.NewLine(plotter.XYs{{X: float64(records[0].Step), Y: y}, {X: float64(records[len(records)-1].Step), Y: y}})
			if err != nil {
				return fmt.Errorf("plot %s: %w", path, err)
			}
			ref.Color, ref.Dashes = color.Gray{Y: 128}, []vg.Length{vg.Points(4), vg.Points(4)}
			p.Add(ref)
			p.Legend.Add(label, ref)
		}
		p.Draw(tiles.At(dc, 0, i))
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}
