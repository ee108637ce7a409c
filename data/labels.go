package data

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
	"gorgonia.org/tensor"
)

// LabelledGridImage is GridImage with a name to the left of each row, in a margin as wide as
// the longest name: the rows of a conditional generator's grid are its classes. names holds
// one name per row.
func LabelledGridImage(images *tensor.Dense, nrow, padding int, padValue float32, names []string) (image.Image, error) {
	grid, err := GridImage(images, nrow, padding, padValue)
	if err != nil {
		return nil, err
	}
	face := basicfont.Face7x13
	_, n, _, h, _, _ := imageTensor(images)
	cols := max(1, min(nrow, n))
	if rows := (n + cols - 1) / cols; len(names) != rows {
		return nil, fmt.Errorf("%d row names for a grid of %d rows", len(names), rows)
	}
	margin := 0
	for _, name := range names {
		margin = max(margin, font.MeasureString(face, name).Ceil())
	}
	margin += 2 * 4
	gb := grid.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, margin+gb.Dx(), gb.Dy()))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(out, gb.Add(image.Pt(margin, 0)), grid, gb.Min, draw.Src)
	d := font.Drawer{Dst: out, Src: image.NewUniform(color.Black), Face: face}
	for i, name := range names {
		// Baseline so that the cap height sits centred on the row.
		y := padding + i*(h+padding) + h/2 + face.Ascent/2 - 1
		d.Dot = fixed.P(4, y)
		d.DrawString(name)
	}
	return out, nil
}

// WriteLabelledGrid writes LabelledGridImage atomically, PNG or JPEG by the path's name as
// WriteGrid does.
func WriteLabelledGrid(path string, images *tensor.Dense, nrow, padding int, padValue float32, names []string) error {
	if err := CheckImageName(path); err != nil {
		return err
	}
	img, err := LabelledGridImage(images, nrow, padding, padValue, names)
	if err != nil {
		return fmt.Errorf("write grid %s: %w", path, err)
	}
	return writeGridImage(path, img)
}
