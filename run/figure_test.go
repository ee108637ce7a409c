package run

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/vgimg"

	"gogan/metrics"
	"gogan/train"
)

func TestRoundTicksLabelsRoundValues(t *testing.T) {
	for _, tc := range []struct {
		lo, hi  float64
		integer bool
		want    string
	}{
		{1, 1874, true, "500 1000 1500"},
		{0, 23425, true, "0 5000 10000 15000 20000"},
		{1, 12, true, "2 4 6 8 10 12"},
		{1, 3, true, "1 2 3"},
		{0, 1.14, false, "0.0 0.2 0.4 0.6 0.8 1.0"},
		{-0.3, 6.7, false, "0 1 2 3 4 5 6"},
		{-1, 1, false, "-1.0 -0.5 0.0 0.5 1.0"},
	} {
		var labels []string
		minors := 0
		for _, tick := range (roundTicks{integer: tc.integer}).Ticks(tc.lo, tc.hi) {
			if tick.Label == "" {
				minors++
				if tick.Value < tc.lo || tick.Value > tc.hi || (tc.integer && tick.Value != math.Round(tick.Value)) {
					t.Errorf("[%g, %g]: minor tick at %g", tc.lo, tc.hi, tick.Value)
				}
				continue
			}
			labels = append(labels, tick.Label)
		}
		if got := strings.Join(labels, " "); got != tc.want {
			t.Errorf("[%g, %g]: labels %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
		if minors == 0 && tc.hi-tc.lo > 5 {
			t.Errorf("[%g, %g]: no minor ticks", tc.lo, tc.hi)
		}
	}
}

func TestEMAIsDebiasedAndFollowsAStep(t *testing.T) {
	ys := make([]float64, 200)
	for i := range ys {
		ys[i] = 2
		if i >= 100 {
			ys[i] = 4
		}
	}
	got := ema(ys, 10)
	if got[0] != 2 || math.Abs(got[99]-2) > 1e-12 {
		t.Fatalf("a constant stays constant from its first value: got %g, %g", got[0], got[99])
	}
	if !(got[100] > 2 && got[100] < 3) || math.Abs(got[199]-4) > 1e-6 {
		t.Fatalf("after a step from 2 to 4: %g at the step, %g 100 steps on", got[100], got[199])
	}
	if emaSpan(20) != 1 || emaSpan(1874) != 23 {
		t.Fatalf("emaSpan(20) = %d (want no smoothing), emaSpan(1874) = %d", emaSpan(20), emaSpan(1874))
	}
}

func TestEpochSpansNumberEpochsAsTheConsole(t *testing.T) {
	var recs []Record
	for s := 1; s <= 25; s++ {
		recs = append(recs, Record{Step: s, Epoch: (s - 1) / 10})
	}
	got := epochSpans(recs)
	want := []epochSpan{{0, 1, 10}, {1, 10, 20}, {2, 20, 25}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// syntheticRecords are three and a half epochs of noisy, GAN-like statistics, with a quality
// measurement every 100 steps.
func syntheticRecords() []Record {
	var recs []Record
	for s := 1; s <= 700; s++ {
		noise := math.Sin(float64(s) * 12.9898)
		r := Record{Step: s, Epoch: (s - 1) / 200, Stats: train.Stats{
			LossD: 0.6 + 0.2*noise, LossG: 2.5 + 0.8*noise + 6*math.Exp(-float64(s)/30),
			DReal: 0.8 + 0.1*noise, DFake: 0.2 + 0.1*noise}}
		if s%100 == 0 {
			r.Quality = &metrics.Scores{FrechetDistance: 400 / math.Sqrt(float64(s))}
		}
		recs = append(recs, r)
	}
	return recs
}

func TestLossPlotKeepsLegendsOffTheData(t *testing.T) {
	panels := append(LossPanels(), QualityPanel(1.5, false))
	img, layouts, err := renderPlot(syntheticRecords(), panels)
	if err != nil {
		t.Fatal(err)
	}
	checkFigure(t, img, layouts, lossWidth, lossRowHeight*3)
}

func TestToyPlotKeepsLegendsOffTheData(t *testing.T) {
	// The toy experiment's 15 abscissae, evenly spaced in [−1, 1].
	xs := make([]float64, 15)
	curve := make([]float32, len(xs))
	for i := range xs {
		xs[i] = -1 + 2*float64(i)/float64(len(xs)-1)
		curve[i] = float32(1.5*xs[i]*xs[i] + 0.5)
	}
	var history []Record
	for _, r := range syntheticRecords() {
		r.DReal, r.LossD = 0.5+0.05*math.Sin(float64(r.Step)), math.Log(4)
		history = append(history, r)
	}
	img, layouts, err := renderToyPlot(curve, history, xs)
	if err != nil {
		t.Fatal(err)
	}
	checkFigure(t, img, layouts, toyWidth, toyRowHeight*2)
}

// checkFigure decodes a rendered figure and checks its size, that every panel's data area
// holds coloured curves, and that every legend lies beside its data area, inside the image.
func checkFigure(t *testing.T, pngBytes []byte, layouts []panelLayout, w, h vg.Length) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	px := func(l vg.Length) int { return int(math.Round(float64(l) / 72 * vgimg.DefaultDPI)) }
	b := img.Bounds()
	if b.Dx() != px(w) || b.Dy() != px(h) {
		t.Fatalf("image is %d×%d, want %d×%d", b.Dx(), b.Dy(), px(w), px(h))
	}
	toPixels := func(r vg.Rectangle) image.Rectangle {
		// vg's origin is the bottom left corner, the image's the top left.
		return image.Rect(px(r.Min.X), b.Dy()-px(r.Max.Y), px(r.Max.X), b.Dy()-px(r.Min.Y))
	}
	for i, l := range layouts {
		data, legend := toPixels(l.Data), toPixels(l.Legend)
		if legend.Empty() || !legend.In(b) {
			t.Errorf("panel %d: legend at %v, outside the image %v", i, legend, b)
		}
		if legend.Overlaps(data) {
			t.Errorf("panel %d: legend %v overlaps the data area %v", i, legend, data)
		}
		if data.Dx() < b.Dx()/2 {
			t.Errorf("panel %d: the data area is %d pixels wide of %d", i, data.Dx(), b.Dx())
		}
		if f := colouredFraction(img, data); f < 0.01 {
			t.Errorf("panel %d: %.4f of the data area is coloured: blank", i, f)
		}
		if f := colouredFraction(img, legend); f < 0.001 {
			t.Errorf("panel %d: the legend has no coloured thumbnails", i)
		}
	}
}

// colouredFraction is the share of pixels in r that are neither white nor grey: curves, not
// axes or text.
func colouredFraction(img image.Image, r image.Rectangle) float64 {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			lo, hi := min(c.R, c.G, c.B), max(c.R, c.G, c.B)
			if hi-lo > 40 {
				n++
			}
		}
	}
	return float64(n) / float64(max(1, r.Dx()*r.Dy()))
}
