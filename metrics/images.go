package metrics

import (
	"fmt"
	"image"
	"math"

	"github.com/disintegration/imaging"
	"gorgonia.org/tensor"
)

// Gray28 turns images (N, C, H, W) in [-1, 1], C 1 or 3, into what a catalog dataset's
// extractor reads: one (N, 1, 28, 28) slice. It is ToInput with CatalogInput.
func Gray28(images *tensor.Dense) ([]float32, error) { return ToInput(images, CatalogInput) }

// ToInput turns images (N, C, H, W) in [-1, 1], C 1 or 3, into what an extractor of input in
// reads: one (N, in.Channels, in.Side, in.Side) slice. For one channel, colour becomes
// luminance with the weights package data uses; for three, a gray image is repeated in each.
// Other sizes are resized as package data resizes datasets (bilinear with antialiasing,
// centre crop to a square), through 8-bit pixels as the real images are stored. Values
// outside [-1, 1] are clamped, as they are when images are saved as pictures; NaN is an error.
func ToInput(images *tensor.Dense, in Input) ([]float32, error) {
	if images == nil {
		return nil, fmt.Errorf("no images")
	}
	s := images.Shape()
	if images.Dtype() != tensor.Float32 || len(s) != 4 || (s[1] != 1 && s[1] != 3) || s[0] < 1 || s[2] < 1 || s[3] < 1 {
		return nil, fmt.Errorf("images are %v of shape %v, want float32 (N, C, H, W) with C 1 or 3", images.Dtype(), s)
	}
	if images.IsView() {
		images = images.Materialize().(*tensor.Dense)
	}
	src := images.Data().([]float32)
	n, c, h, w := s[0], s[1], s[2], s[3]
	per, side := in.Size(), in.Side
	out := make([]float32, n*per)
	planes := make([]float32, in.Channels*h*w)
	for i := 0; i < n; i++ {
		img := src[i*c*h*w : (i+1)*c*h*w]
		for p := 0; p < h*w; p++ {
			for k := 0; k < in.Channels; k++ {
				v := img[min(k, c-1)*h*w+p] // a gray image fills every plane
				if c == 3 && in.Channels == 1 {
					v = 0.299*img[p] + 0.587*img[h*w+p] + 0.114*img[2*h*w+p]
				}
				if math.IsNaN(float64(v)) {
					return nil, fmt.Errorf("image %d has a NaN value", i)
				}
				planes[k*h*w+p] = min(1, max(-1, v))
			}
		}
		dst := out[i*per : (i+1)*per]
		if h == side && w == side {
			copy(dst, planes)
			continue
		}
		resized := imaging.Fill(toNRGBA(planes, in.Channels, w, h), side, side, imaging.Center, imaging.Linear)
		for k := 0; k < in.Channels; k++ {
			for p := 0; p < side*side; p++ {
				dst[k*side*side+p] = float32(resized.Pix[4*p+k])/127.5 - 1
			}
		}
	}
	return out, nil
}

// toNRGBA quantises planes (1 or 3) in [-1, 1] to an 8-bit image; one plane fills R, G and B.
func toNRGBA(planes []float32, channels, w, h int) *image.NRGBA {
	g := image.NewNRGBA(image.Rect(0, 0, w, h))
	for p := 0; p < w*h; p++ {
		for k := 0; k < 3; k++ {
			v := planes[min(k, channels-1)*w*h+p]
			g.Pix[4*p+k] = uint8(math.Round(float64(v+1) * 127.5))
		}
		g.Pix[4*p+3] = 255
	}
	return g
}

// toGray quantises a plane in [-1, 1] to an 8-bit gray image.
func toGray(plane []float32, w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for p, v := range plane {
		g.Pix[p] = uint8(math.Round(float64(v+1) * 127.5))
	}
	return g
}
