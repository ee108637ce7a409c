package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Differentiable augmentation (DiffAugment, Zhao et al. 2020): the discriminator sees real and
// fake images through the same random transformations, and the generator learns through them,
// so a discriminator trained on a few thousand images cannot memorise them. DiffAugment's
// three policies are expressed by one op, with one row of AugmentValues per image:
//
//   - color: brightness b, saturation s and contrast c, applied in that order. Each is affine in
//     the image, so together they are y = cs·x + c(1−s)·mean_C(x) + (1−c)·mean(x) + b, where
//     mean_C is the mean over the channels of a pixel and mean the mean of the whole image
//     (derived in AugmentScale's comment).
//   - translation: the image moves by whole pixels, (dy, dx), uncovered pixels become 0.
//   - cutout: a rectangle of the translated image is set to 0.
//
// So out[c, i, j] = keep(i, j) · y[c, i+dy, j+dx], 0 where (i+dy, j+dx) falls outside, and the
// backward pass is the same gather in reverse followed by the transpose of the affine map.

// AugmentValues is the number of values per image in an augmentation's parameters (N, 10).
const AugmentValues = 10

// The columns of an augmentation's parameters.
const (
	// AugmentScale is cs: with x₁ = x + b, x₂ = s(x₁ − mean_C x₁) + mean_C x₁ and
	// y = c(x₂ − mean x₂) + mean x₂, mean_C x₁ = mean_C x + b and mean x₂ = mean x + b give
	// y = cs·x + c(1−s)·mean_C x + (1−c)·mean x + b.
	AugmentScale      = iota
	AugmentChannelMix // c(1−s), the weight of the pixel's channel mean
	AugmentImageMix   // 1−c, the weight of the image's mean
	AugmentShift      // b, the brightness offset
	AugmentRowShift   // dy: output row i reads row i+dy
	AugmentColShift   // dx: output column j reads column j+dx
	AugmentCutRow     // first row of the cut-out rectangle (may lie outside the image)
	AugmentCutCol     // first column of the cut-out rectangle
	AugmentCutHeight  // rows of the cut-out rectangle, 0 for none
	AugmentCutWidth   // columns of the cut-out rectangle
)

// AugmentPolicy selects DiffAugment's transformations.
type AugmentPolicy struct {
	Color, Translation, Cutout bool
}

// ParseAugmentPolicy reads a comma-separated list of color, translation and cutout, or none.
func ParseAugmentPolicy(s string) (AugmentPolicy, error) {
	var p AugmentPolicy
	if s == "" || s == "none" {
		return p, nil
	}
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "color":
			p.Color = true
		case "translation":
			p.Translation = true
		case "cutout":
			p.Cutout = true
		default:
			return p, fmt.Errorf("augmentation %q is not one of color, translation, cutout, none", name)
		}
	}
	return p, nil
}

// Enabled says whether the policy changes images at all.
func (p AugmentPolicy) Enabled() bool { return p.Color || p.Translation || p.Cutout }

// String is the policy as ParseAugmentPolicy reads it.
func (p AugmentPolicy) String() string {
	var names []string
	for _, o := range []struct {
		on   bool
		name string
	}{{p.Color, "color"}, {p.Translation, "translation"}, {p.Cutout, "cutout"}} {
		if o.on {
			names = append(names, o.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// DrawAugment fills dst (n·AugmentValues) with the parameters of n images of h×w pixels, drawn
// as DiffAugment's reference code draws them: brightness uniform in [−½, ½), saturation in
// [0, 2), contrast in [½, 3/2); shifts uniform in [−r, r] with r = round(size/8); a cut-out of
// round(size/2) centred uniformly, clipped by the image's edges. A transformation the policy
// leaves out gets the identity's values.
func DrawAugment(dst []float32, n, h, w int, p AugmentPolicy, rng *rand.Rand) {
	for i := 0; i < n; i++ {
		v := dst[i*AugmentValues : (i+1)*AugmentValues]
		clear(v)
		v[AugmentScale] = 1
		if p.Color {
			b := rng.Float64() - 0.5
			s := 2 * rng.Float64()
			c := rng.Float64() + 0.5
			v[AugmentScale] = float32(c * s)
			v[AugmentChannelMix] = float32(c * (1 - s))
			v[AugmentImageMix] = float32(1 - c)
			v[AugmentShift] = float32(b)
		}
		if p.Translation {
			rh, rw := (h+4)/8, (w+4)/8 // int(size·0.125 + 0.5)
			v[AugmentRowShift] = float32(rng.IntN(2*rh+1) - rh)
			v[AugmentColShift] = float32(rng.IntN(2*rw+1) - rw)
		}
		if p.Cutout {
			ch, cw := (h+1)/2, (w+1)/2 // int(size·0.5 + 0.5)
			// The centre ranges over size + (1 − cut%2) places, as in the reference.
			v[AugmentCutRow] = float32(rng.IntN(h+1-ch%2) - ch/2)
			v[AugmentCutCol] = float32(rng.IntN(w+1-cw%2) - cw/2)
			v[AugmentCutHeight], v[AugmentCutWidth] = float32(ch), float32(cw)
		}
	}
}

// AugmentGeometry are the sizes of an augmentation: N images of C channels and H×W pixels.
type AugmentGeometry struct{ N, C, H, W int }

// CheckAugmentForward is AugmentForward's contract: x and out are (N, C, H, W) alike and params
// is (N, AugmentValues).
func CheckAugmentForward(out, x, params *Tensor) (AugmentGeometry, error) {
	const op = "AugmentForward"
	g, err := augmentGeometry(op, "x", x, params)
	if err != nil {
		return g, err
	}
	return g, shapeIs(op, "out", out, g.N, g.C, g.H, g.W)
}

// CheckAugmentBackward is AugmentBackward's contract: dx and dout are (N, C, H, W) alike and
// params is (N, AugmentValues).
func CheckAugmentBackward(dx, dout, params *Tensor) (AugmentGeometry, error) {
	const op = "AugmentBackward"
	g, err := augmentGeometry(op, "dout", dout, params)
	if err != nil {
		return g, err
	}
	return g, shapeIs(op, "dx", dx, g.N, g.C, g.H, g.W)
}

func augmentGeometry(op, name string, x, params *Tensor) (AugmentGeometry, error) {
	if err := rankIs(op, name, x, 4); err != nil {
		return AugmentGeometry{}, err
	}
	g := AugmentGeometry{N: x.Shape[0], C: x.Shape[1], H: x.Shape[2], W: x.Shape[3]}
	return g, shapeIs(op, "params", params, g.N, AugmentValues)
}
