package cpu

import (
	"math/rand/v2"
	"testing"

	"gogan/internal/nntest"
	"gogan/nn"
)

// diffAugmentReference applies DiffAugment's transformations one after the other, as the
// reference PyTorch code writes them (brightness, saturation, contrast, translation with zero
// padding, cutout), in float64 from the drawn parameters: an independent check of the single
// affine map and gather that AugmentForward computes.
func diffAugmentReference(x []float64, n, c, h, w int, params []float32) []float64 {
	out := make([]float64, len(x))
	size, plane := c*h*w, h*w
	for i := 0; i < n; i++ {
		v := params[i*nn.AugmentValues:][:nn.AugmentValues]
		img := append([]float64(nil), x[i*size:][:size]...)
		contrast := 1 - float64(v[nn.AugmentImageMix])
		saturation := 1.0
		if contrast != 0 {
			saturation = float64(v[nn.AugmentScale]) / contrast
		}
		for k := range img { // brightness
			img[k] += float64(v[nn.AugmentShift])
		}
		for p := 0; p < plane; p++ { // saturation
			var mean float64
			for ch := 0; ch < c; ch++ {
				mean += img[ch*plane+p] / float64(c)
			}
			for ch := 0; ch < c; ch++ {
				img[ch*plane+p] = (img[ch*plane+p]-mean)*saturation + mean
			}
		}
		var mean float64 // contrast
		for _, e := range img {
			mean += e / float64(size)
		}
		for k := range img {
			img[k] = (img[k]-mean)*contrast + mean
		}
		dy, dx := int(v[nn.AugmentRowShift]), int(v[nn.AugmentColShift])
		r0, c0 := int(v[nn.AugmentCutRow]), int(v[nn.AugmentCutCol])
		r1, c1 := r0+int(v[nn.AugmentCutHeight]), c0+int(v[nn.AugmentCutWidth])
		for ch := 0; ch < c; ch++ {
			for r := 0; r < h; r++ {
				for col := 0; col < w; col++ {
					sr, sc := r+dy, col+dx
					var e float64
					if sr >= 0 && sr < h && sc >= 0 && sc < w {
						e = img[ch*plane+sr*w+sc]
					}
					if r >= r0 && r < r1 && col >= c0 && col < c1 {
						e = 0
					}
					out[i*size+ch*plane+r*w+col] = e
				}
			}
		}
	}
	return out
}

func TestAugmentMatchesDiffAugment(t *testing.T) {
	b := New()
	for _, size := range [][4]int{{8, 3, 32, 32}, {5, 1, 28, 20}} {
		n, c, h, w := size[0], size[1], size[2], size[3]
		x := nntest.Randn(nntest.NewRand(7), n*c*h*w, 1)
		params := make([]float32, n*nn.AugmentValues)
		all := nn.AugmentPolicy{Color: true, Translation: true, Cutout: true}
		nn.DrawAugment(params, n, h, w, all, rand.New(rand.NewPCG(3, uint64(c))))
		xt, pt, out := nntest.TensorOf(b, x, n, c, h, w), nntest.TensorOf(b, nntest.To64(params), n, nn.AugmentValues), b.New(n, c, h, w)
		b.AugmentForward(out, xt, pt)
		want := diffAugmentReference(nntest.To64(nntest.To32(x)), n, c, h, w, params)
		nntest.CheckNMSE(t, "AugmentForward vs DiffAugment's steps", nntest.To64(out.Host), want, 1e-12)
	}
}

// TestDrawAugmentRanges checks the drawn parameters against DiffAugment's ranges: shifts within
// an eighth of the side, a cut-out of half the side whose centre lies in the image, and colour
// factors that give back brightness in [−½, ½), saturation in [0, 2), contrast in [½, 3/2).
func TestDrawAugmentRanges(t *testing.T) {
	const n, h, w = 2000, 32, 24
	params := make([]float32, n*nn.AugmentValues)
	nn.DrawAugment(params, n, h, w, nn.AugmentPolicy{Color: true, Translation: true, Cutout: true}, rand.New(rand.NewPCG(1, 2)))
	seen := map[[2]int]bool{}
	for i := 0; i < n; i++ {
		v := params[i*nn.AugmentValues:][:nn.AugmentValues]
		c := 1 - float64(v[nn.AugmentImageMix])
		s := float64(v[nn.AugmentScale]) / c
		b := float64(v[nn.AugmentShift])
		if c < 0.5 || c >= 1.5 || s < 0 || s >= 2 || b < -0.5 || b >= 0.5 {
			t.Fatalf("image %d: contrast %g, saturation %g, brightness %g out of range", i, c, s, b)
		}
		dy, dx := int(v[nn.AugmentRowShift]), int(v[nn.AugmentColShift])
		if dy < -4 || dy > 4 || dx < -3 || dx > 3 {
			t.Fatalf("image %d: shift (%d, %d), want within (4, 3)", i, dy, dx)
		}
		seen[[2]int{dy, dx}] = true
		ch, cw := int(v[nn.AugmentCutHeight]), int(v[nn.AugmentCutWidth])
		centreRow, centreCol := int(v[nn.AugmentCutRow])+ch/2, int(v[nn.AugmentCutCol])+cw/2
		if ch != 16 || cw != 12 || centreRow < 0 || centreRow > h || centreCol < 0 || centreCol > w {
			t.Fatalf("image %d: cut-out %d×%d centred at (%d, %d)", i, ch, cw, centreRow, centreCol)
		}
	}
	if len(seen) != 9*7 {
		t.Errorf("%d of the 63 shifts drawn in %d images", len(seen), n)
	}
}
