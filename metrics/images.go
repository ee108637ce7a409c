package metrics

import (
	"fmt"
	"image"
	"math"

	"github.com/disintegration/imaging"
	"gorgonia.org/tensor"
)

// Gray28 turns images (N, C, H, W) in [-1, 1], C 1 or 3, into what the extractor reads: one
// (N, 1, 28, 28) slice. Colour becomes luminance with the weights package data uses; other
// sizes are resized as package data resizes datasets (bilinear with antialiasing, centre crop
// to a square), through 8-bit pixels as the real images are stored. Values outside [-1, 1]
// are clamped, as they are when images are saved as pictures; NaN is an error.
func Gray28(images *tensor.Dense) ([]float32, error) {
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
	const per = ImageSide * ImageSide
	out := make([]float32, n*per)
	plane := make([]float32, h*w)
	for i := 0; i < n; i++ {
		img := src[i*c*h*w : (i+1)*c*h*w]
		for p := range plane {
			v := img[p]
			if c == 3 {
				v = 0.299*img[p] + 0.587*img[h*w+p] + 0.114*img[2*h*w+p]
			}
			if math.IsNaN(float64(v)) {
				return nil, fmt.Errorf("image %d has a NaN value", i)
			}
			plane[p] = min(1, max(-1, v))
		}
		dst := out[i*per : (i+1)*per]
		if h == ImageSide && w == ImageSide {
			copy(dst, plane)
			continue
		}
		resized := imaging.Fill(toGray(plane, w, h), ImageSide, ImageSide, imaging.Center, imaging.Linear)
		for p := range dst {
			dst[p] = float32(resized.Pix[4*p])/127.5 - 1
		}
	}
	return out, nil
}

// toGray quantises a plane in [-1, 1] to an 8-bit gray image.
func toGray(plane []float32, w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for p, v := range plane {
		g.Pix[p] = uint8(math.Round(float64(v+1) * 127.5))
	}
	return g
}
