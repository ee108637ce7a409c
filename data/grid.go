package data

import (
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gogan/internal/atomicfile"

	"gorgonia.org/tensor"
)

// imageTensor checks that t holds (N, C, H, W) float32 images with C 1 or 3 and returns its
// elements in row-major order.
func imageTensor(t *tensor.Dense) (data []float32, n, c, h, w int, err error) {
	if t == nil {
		return nil, 0, 0, 0, 0, fmt.Errorf("no images")
	}
	if t.Dtype() != tensor.Float32 {
		return nil, 0, 0, 0, 0, fmt.Errorf("images are %v, want float32", t.Dtype())
	}
	s := t.Shape()
	if len(s) != 4 || (s[1] != 1 && s[1] != 3) || s[0] < 1 || s[2] < 1 || s[3] < 1 {
		return nil, 0, 0, 0, 0, fmt.Errorf("images have shape %v, want (N, C, H, W) with C 1 or 3", s)
	}
	if t.IsView() {
		// A sliced view's backing array holds more than the view; copy out what it shows.
		t = t.Materialize().(*tensor.Dense)
	}
	return t.Data().([]float32), s[0], s[1], s[2], s[3], nil
}

// toByte maps a value in [-1, 1] to 0..255, clamping outside values and NaN.
func toByte(v float32) uint8 {
	x := (v+1)*127.5 + 0.5
	switch {
	case !(x >= 0): // also NaN
		return 0
	case x >= 255:
		return 255
	}
	return uint8(x)
}

// GridImage lays out (N, C, H, W) images in [-1, 1] as one picture, nrow images per row
// (8 when nrow is not positive), with padding pixels of padValue (also in [-1, 1]) around
// and between them, as torchvision's make_grid does. One channel gives a gray image, three
// an RGB one.
func GridImage(images *tensor.Dense, nrow, padding int, padValue float32) (image.Image, error) {
	data, n, c, h, w, err := imageTensor(images)
	if err != nil {
		return nil, err
	}
	if padding < 0 {
		return nil, fmt.Errorf("grid padding must not be negative, got %d", padding)
	}
	return gridImage(data, n, c, h, w, nrow, padding, padValue), nil
}

// gridImage is GridImage on checked row-major (N, C, H, W) data.
func gridImage(data []float32, n, c, h, w, nrow, padding int, padValue float32) image.Image {
	if nrow <= 0 {
		nrow = 8
	}
	cols := min(nrow, n)
	rows := (n + cols - 1) / cols
	rect := image.Rect(0, 0, cols*(w+padding)+padding, rows*(h+padding)+padding)
	pad := toByte(padValue)
	var img draw.Image
	var put func(x, y int, px []float32, hw int)
	if c == 1 {
		g := image.NewGray(rect)
		put = func(x, y int, px []float32, _ int) { g.Pix[y*g.Stride+x] = toByte(px[0]) }
		img = g
	} else {
		rgb := image.NewNRGBA(rect)
		put = func(x, y int, px []float32, hw int) {
			o := y*rgb.Stride + 4*x
			rgb.Pix[o], rgb.Pix[o+1], rgb.Pix[o+2], rgb.Pix[o+3] = toByte(px[0]), toByte(px[hw]), toByte(px[2*hw]), 255
		}
		img = rgb
	}
	draw.Draw(img, rect, image.NewUniform(color.NRGBA{pad, pad, pad, 255}), image.Point{}, draw.Src)
	hw := h * w
	for k := 0; k < n; k++ {
		x0 := padding + (k%cols)*(w+padding)
		y0 := padding + (k/cols)*(h+padding)
		one := data[k*c*hw : (k+1)*c*hw]
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				put(x0+x, y0+y, one[y*w+x:], hw)
			}
		}
	}
	return img
}

// WriteGrid writes images as one grid (see GridImage), atomically: a PNG, or a JPEG when the
// name ends in .jpg or .jpeg.
func WriteGrid(path string, images *tensor.Dense, nrow, padding int, padValue float32) error {
	if err := CheckImageName(path); err != nil {
		return err
	}
	img, err := GridImage(images, nrow, padding, padValue)
	if err != nil {
		return fmt.Errorf("write grid %s: %w", path, err)
	}
	return writeGridImage(path, img)
}

// writeGridImage writes img atomically as a JPEG when the name ends in .jpg or .jpeg, otherwise
// as a PNG.
func writeGridImage(path string, img image.Image) error {
	if isJPEG(path) {
		return atomicfile.Write(path, 0o644, func(w io.Writer) error {
			return jpeg.Encode(w, img, &jpeg.Options{Quality: 95})
		})
	}
	return writePNG(path, img)
}

// CheckImageName refuses a file name whose extension is not one that WriteGrid writes, so
// that a grid is never saved in one format under another's name.
func CheckImageName(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".jpg", ".jpeg":
		return nil
	}
	return fmt.Errorf("%s: name the image .png, .jpg or .jpeg, the formats gogan writes", path)
}

func isJPEG(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".jpg" || ext == ".jpeg"
}

// PNGName is the name WritePNGs gives to image i.
func PNGName(prefix string, i int) string { return fmt.Sprintf("%s%06d.png", prefix, i) }

// WritePNGs writes each image as its own PNG in dir, named by PNGName; dir is created if
// needed.
func WritePNGs(dir, prefix string, images *tensor.Dense) error {
	if images == nil || len(images.Shape()) == 0 {
		return fmt.Errorf("write images to %s: no images", dir)
	}
	s := images.Shape()
	paths := make([]string, s[0])
	for i := range paths {
		paths[i] = filepath.Join(dir, PNGName(prefix, i))
	}
	return WritePNGsTo(paths, images)
}

// WritePNGsTo writes image i as a PNG at paths[i], creating the folders needed.
func WritePNGsTo(paths []string, images *tensor.Dense) error {
	data, n, c, h, w, err := imageTensor(images)
	if err != nil {
		return fmt.Errorf("write images: %w", err)
	}
	if len(paths) != n {
		return fmt.Errorf("write images: %d paths for %d images", len(paths), n)
	}
	size := c * h * w
	made := map[string]bool{}
	for i, path := range paths {
		if dir := filepath.Dir(path); !made[dir] {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("write images: %w", err)
			}
			made[dir] = true
		}
		img := gridImage(data[i*size:(i+1)*size], 1, c, h, w, 1, 0, 0)
		if err := writePNG(path, img); err != nil {
			return err
		}
	}
	return nil
}

func writePNG(path string, img image.Image) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return png.Encode(w, img) })
}

// WriteGIF writes frames, all of one size, as a looping GIF with delay hundredths of a second
// between frames, atomically. Gray frames keep their 256 levels; colour frames are dithered
// to the web-safe Plan 9 palette.
func WriteGIF(path string, frames []image.Image, delay int) error {
	if len(frames) == 0 {
		return fmt.Errorf("write %s: no frames", path)
	}
	if delay < 0 {
		return fmt.Errorf("write %s: negative frame delay %d", path, delay)
	}
	bounds := frames[0].Bounds()
	anim := &gif.GIF{LoopCount: 0}
	for i, f := range frames {
		if f.Bounds().Size() != bounds.Size() {
			return fmt.Errorf("write %s: frame %d is %v, frame 0 is %v", path, i, f.Bounds().Size(), bounds.Size())
		}
		anim.Image = append(anim.Image, toPaletted(f))
		anim.Delay = append(anim.Delay, delay)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return gif.EncodeAll(w, anim) })
}

// grayPalette holds the 256 gray levels, which a GIF frame can hold exactly.
var grayPalette = func() color.Palette {
	p := make(color.Palette, 256)
	for i := range p {
		p[i] = color.Gray{uint8(i)}
	}
	return p
}()

func toPaletted(f image.Image) *image.Paletted {
	r := image.Rect(0, 0, f.Bounds().Dx(), f.Bounds().Dy())
	if g, ok := f.(*image.Gray); ok {
		p := image.NewPaletted(r, grayPalette)
		draw.Draw(p, r, g, g.Bounds().Min, draw.Src)
		return p
	}
	p := image.NewPaletted(r, palette.Plan9)
	draw.FloydSteinberg.Draw(p, r, f, f.Bounds().Min)
	return p
}
