package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMirrorBatch: every image comes out either unchanged or flipped left to right in every
// channel, both happen over a batch, and the same stream flips the same images.
func TestMirrorBatch(t *testing.T) {
	const n, c, h, w = 64, 3, 4, 5
	orig := make([]float32, n*c*h*w)
	for i := range orig {
		orig[i] = float32(i)
	}
	flipped := func(seed uint64) []float32 {
		x := slices.Clone(orig)
		MirrorBatch(x, n, c, h, w, rand.New(rand.NewPCG(seed, 1)))
		return x
	}
	got := flipped(7)
	size := c * h * w
	var same, mirrored int
	for k := 0; k < n; k++ {
		img, src := got[k*size:(k+1)*size], orig[k*size:(k+1)*size]
		if slices.Equal(img, src) {
			same++
			continue
		}
		for ch := 0; ch < c; ch++ {
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					at := (ch*h+y)*w + x
					if want := src[(ch*h+y)*w+w-1-x]; img[at] != want {
						t.Fatalf("image %d (%d, %d, %d) = %g, want %g (the mirrored pixel)", k, ch, y, x, img[at], want)
					}
				}
			}
		}
		mirrored++
	}
	if same < n/4 || mirrored < n/4 {
		t.Errorf("%d unchanged and %d mirrored of %d, want about half each", same, mirrored, n)
	}
	if !slices.Equal(got, flipped(7)) {
		t.Error("the same stream flipped other images")
	}
}
