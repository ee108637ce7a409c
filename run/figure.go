package run

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The drawing shared by loss.png and toy.png: panels whose legend sits in a column of its
// own beside the data, per-step values drawn faintly under their moving average, round tick
// labels and epochs marked.

var palette = []color.Color{
	color.RGBA{R: 31, G: 119, B: 180, A: 255},
	color.RGBA{R: 255, G: 127, B: 14, A: 255},
	color.RGBA{R: 44, G: 160, B: 44, A: 255},
	color.RGBA{R: 214, G: 39, B: 40, A: 255},
}

var referenceGrey = color.Gray{Y: 110}

// curve is one line of a panel, in plot coordinates.
type curve struct {
	name   string
	pts    plotter.XYs
	color  color.Color
	smooth bool // one value per step: a faint raw line under a moving average
	dots   bool // measured at a few steps: dots joined by a line
}

// refLine is a horizontal reference, such as the ½ of the GAN paper's equilibrium.
type refLine struct {
	name  string
	y     float64
	color color.Color // nil: grey
}

// epochSpan is the range of steps that one epoch covered.
type epochSpan struct {
	epoch       int // as metrics.jsonl and the console number it, from 0
	first, last float64
}

// panelSpec is everything one panel shows.
type panelSpec struct {
	title, xLabel, yLabel string
	integerX              bool // the x axis counts steps
	curves                []curve
	refs                  []refLine
	fixedY                *[2]float64 // a known range, e.g. [0, 1] for probabilities
	xRange                *[2]float64 // shared by the panels of a figure; nil: the curves'
	epochs                []epochSpan
}

// panelLayout is where a panel put its data and its legend, in canvas coordinates.
type panelLayout struct {
	Data, Legend vg.Rectangle
}

// legendGap separates the data area from the legend column.
const legendGap = vg.Length(10)

// renderFigure draws panels stacked in one column on a width × (rowHeight·rows) canvas and
// returns the PNG and the layout of each panel.
func renderFigure(width, rowHeight vg.Length, panels []panelSpec) ([]byte, []panelLayout, error) {
	canvas := vgimg.New(width, rowHeight*vg.Length(len(panels)))
	dc := draw.New(canvas)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	plots := make([][]*plot.Plot, len(panels))
	legends := make([]plot.Legend, len(panels))
	var legendWidth vg.Length
	for i, ps := range panels {
		p, l, err := buildPanel(ps)
		if err != nil {
			return nil, nil, err
		}
		plots[i], legends[i] = []*plot.Plot{p}, l
		legendWidth = max(legendWidth, legendColumnWidth(&l))
	}
	// One legend column for all panels, and plot.Align, so that the data areas line up.
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadTop: vg.Points(6), PadBottom: vg.Points(4),
		PadX: vg.Points(6), PadY: vg.Points(14)}
	plotsC := draw.Crop(dc, 0, -(legendWidth + legendGap + vg.Points(6)), 0, 0)
	aligned := plot.Align(plots, tiles, plotsC)
	layouts := make([]panelLayout, len(panels))
	for i, ps := range panels {
		p := plots[i][0]
		p.Draw(aligned[i][0])
		dataC := p.DataCanvas(aligned[i][0])
		if len(ps.epochs) > 1 {
			markEpochs(p, dataC, ps.epochs)
		}
		legendC := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: plotsC.Max.X + legendGap, Y: dataC.Min.Y},
			Max: vg.Point{X: dc.Max.X, Y: dataC.Max.Y},
		}}
		legends[i].Draw(legendC)
		size := legends[i].Rectangle(legendC).Size()
		layouts[i] = panelLayout{Data: dataC.Rectangle, Legend: vg.Rectangle{
			Min: vg.Point{X: legendC.Min.X, Y: legendC.Max.Y - size.Y},
			Max: vg.Point{X: legendC.Min.X + size.X, Y: legendC.Max.Y},
		}}
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), layouts, nil
}

// buildPanel makes one panel's plot and, apart, its legend, which is drawn in a column
// beside the data so that no entry hides a curve.
func buildPanel(ps panelSpec) (*plot.Plot, plot.Legend, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = ps.title, ps.xLabel, ps.yLabel
	p.X.Tick.Marker = roundTicks{integer: ps.integerX}
	p.Y.Tick.Marker = roundTicks{}
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(10)
	legend.Padding = vg.Points(2)

	var inRange []float64 // the values the y range must show
	span := 1
	for _, cv := range ps.curves {
		if cv.smooth {
			span = max(span, emaSpan(len(cv.pts)))
		}
	}
	for _, cv := range ps.curves {
		if len(cv.pts) == 0 {
			continue
		}
		vals, err := addCurve(p, &legend, cv, span)
		if err != nil {
			return nil, legend, err
		}
		inRange = append(inRange, vals...)
	}
	if span > 1 {
		thumb := rawLineStyle(color.Gray{Y: 60})
		thumb.Width = vg.Points(1.2)
		legend.Add("faint: each step", thumb)
	}
	xMin, xMax := p.X.Min, p.X.Max
	if ps.xRange != nil {
		xMin, xMax = ps.xRange[0], ps.xRange[1]
	}
	if math.IsInf(xMin, 0) || math.IsInf(xMax, 0) {
		xMin, xMax, ps.refs = 0, 1, nil // nothing to plot or to read against
	}
	for _, r := range ps.refs {
		ref, err := plotter.NewLine(plotter.XYs{{X: xMin, Y: r.y}, {X: xMax, Y: r.y}})
		if err != nil {
			return nil, legend, err
		}
		ref.Color, ref.Dashes = referenceGrey, []vg.Length{vg.Points(5), vg.Points(3)}
		if r.color != nil {
			ref.Color = r.color
		}
		p.Add(ref)
		legend.Add(r.name, ref)
		inRange = append(inRange, r.y)
	}
	setYRange(p, ps.fixedY, inRange, len(ps.epochs) > 1)
	p.X.Min, p.X.Max = xMin, xMax
	return p, legend, nil
}

// addCurve adds one curve and its legend entry, and returns the values that the y range
// should show: for a smoothed curve all of its average and the raw values but for the
// outermost percent, which TensorBoard also leaves out of the scale so that one spike does
// not flatten the rest.
func addCurve(p *plot.Plot, legend *plot.Legend, cv curve, span int) ([]float64, error) {
	ys := make([]float64, len(cv.pts))
	for i, pt := range cv.pts {
		ys[i] = pt.Y
	}
	vals, name := ys, cv.name
	if cv.smooth && span > 1 {
		raw, err := plotter.NewLine(cv.pts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cv.name, err)
		}
		raw.LineStyle = rawLineStyle(cv.color).LineStyle
		p.Add(raw)
		smoothed := ema(ys, span)
		cv.pts = make(plotter.XYs, len(smoothed))
		for i, y := range smoothed {
			cv.pts[i] = plotter.XY{X: raw.XYs[i].X, Y: y}
		}
		vals = append(trimmedRange(ys), smoothed...)
		name = fmt.Sprintf("%s, EMA over %d steps", cv.name, span)
	}
	line, err := plotter.NewLine(cv.pts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cv.name, err)
	}
	line.Color, line.Width = cv.color, vg.Points(1.5)
	p.Add(line)
	if cv.dots {
		dots, err := plotter.NewScatter(cv.pts)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cv.name, err)
		}
		dots.Color, dots.Shape, dots.Radius = cv.color, draw.CircleGlyph{}, vg.Points(2.5)
		p.Add(dots)
		legend.Add(name, line, dots)
	} else {
		legend.Add(name, line)
	}
	return vals, nil
}

// rawLineStyle is the faint line of per-step values.
func rawLineStyle(c color.Color) *plotter.Line {
	r, g, b, _ := c.RGBA()
	l := &plotter.Line{LineStyle: draw.LineStyle{Width: vg.Points(0.6),
		Color: color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 70}}}
	return l
}

// emaSpan is the window of the moving average: about an eightieth of the run, short enough
// that the average lags the steps it follows by little, and no smoothing at all for runs too
// short to need it.
func emaSpan(n int) int {
	if s := n / 80; s >= 3 {
		return s
	}
	return 1
}

// ema is the exponential moving average with α = 2/(span+1), debiased as TensorBoard does,
// so that its start is not pulled toward zero.
func ema(ys []float64, span int) []float64 {
	alpha := 2 / (float64(span) + 1)
	out := make([]float64, len(ys))
	var acc, weight float64
	for i, y := range ys {
		acc = (1-alpha)*acc + alpha*y
		weight = (1-alpha)*weight + alpha
		out[i] = acc / weight
	}
	return out
}

// trimmedRange returns the 1st and 99th percentiles of ys.
func trimmedRange(ys []float64) []float64 {
	s := slices.Clone(ys)
	slices.Sort(s)
	return []float64{s[len(s)/100], s[len(s)-1-len(s)/100]}
}

// setYRange fits the y axis to vals, or to fixed, with room at the top for the epoch labels.
func setYRange(p *plot.Plot, fixed *[2]float64, vals []float64, epochLabels bool) {
	lo, hi := math.Inf(1), math.Inf(-1)
	if fixed != nil {
		lo, hi = fixed[0], fixed[1]
	}
	for _, v := range vals {
		lo, hi = min(lo, v), max(hi, v)
	}
	if math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		lo, hi = 0, 1
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := 0.04 * (hi - lo)
	if fixed == nil || lo < fixed[0] {
		lo -= pad
	}
	if epochLabels {
		hi += 0.14 * (hi - lo)
	} else if fixed == nil || hi > fixed[1] {
		hi += pad
	}
	p.Y.Min, p.Y.Max = lo, hi
}

// legendColumnWidth is the width the legend's longest entry needs.
func legendColumnWidth(l *plot.Legend) vg.Length {
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 1000, Y: 1000}}}
	return l.Rectangle(c).Size().X
}

// markEpochs draws a dotted line at the end of each epoch and names the epochs along the
// top of the data area, as many as fit without touching.
func markEpochs(p *plot.Plot, dataC draw.Canvas, epochs []epochSpan) {
	tx, _ := p.Transforms(&dataC)
	line := draw.LineStyle{Color: color.Gray{Y: 150}, Width: vg.Points(0.5), Dashes: []vg.Length{vg.Points(1), vg.Points(2)}}
	sty := p.X.Tick.Label
	sty.Color, sty.XAlign, sty.YAlign = color.Gray{Y: 90}, draw.XCenter, draw.YTop
	sty.Font.Size = vg.Points(9)
	lastRight := dataC.Min.X
	for i, e := range epochs {
		if i < len(epochs)-1 {
			x := tx(e.last)
			dataC.StrokeLine2(line, x, dataC.Min.Y, x, dataC.Max.Y)
		}
		label := "epoch " + strconv.Itoa(e.epoch)
		if i > 0 {
			label = strconv.Itoa(e.epoch)
		}
		w := sty.Rectangle(label).Size().X
		mid := (tx(e.first) + tx(e.last)) / 2
		if mid-w/2 < lastRight+vg.Points(6) || mid+w/2 > dataC.Max.X {
			continue
		}
		dataC.FillText(sty, vg.Point{X: mid, Y: dataC.Max.Y - vg.Points(2)}, label)
		lastRight = mid + w/2
	}
}

// epochSpans lists the epochs that records cover.
func epochSpans(records []Record) []epochSpan {
	var out []epochSpan
	for i, r := range records {
		if i == 0 || r.Epoch != records[i-1].Epoch {
			first := float64(r.Step)
			if i > 0 {
				first = float64(records[i-1].Step)
			}
			out = append(out, epochSpan{epoch: r.Epoch, first: first})
		}
		out[len(out)-1].last = float64(r.Step)
	}
	return out
}
