package cpu

import (
	"fmt"

	"gogan/nn"
)

// The augmentation is cheap next to the convolutions that follow it (a few reads per element),
// so it runs on one core; the sums over an image are taken in float64 and in index order, as
// the CUDA kernels take them per image, so results depend on nothing but the inputs.

// augmentOf reads image i's parameters, checking that the shifts and the cut-out are whole
// numbers of pixels.
func augmentOf(op string, params []float32, i int) (v [nn.AugmentValues]float32, dy, dx, r0, c0, r1, c1 int) {
	copy(v[:], params[i*nn.AugmentValues:])
	ints := [6]int{}
	for k, col := range []int{nn.AugmentRowShift, nn.AugmentColShift, nn.AugmentCutRow, nn.AugmentCutCol, nn.AugmentCutHeight, nn.AugmentCutWidth} {
		ints[k] = int(v[col])
		if float32(ints[k]) != v[col] {
			panic(fmt.Sprintf("cpu: %s: parameter %d of image %d is %g, want a whole number of pixels", op, col, i, v[col]))
		}
	}
	return v, ints[0], ints[1], ints[2], ints[3], ints[2] + ints[4], ints[3] + ints[5]
}

// AugmentForward implements nn.Backend.
func (b *Backend) AugmentForward(out, x, params *nn.Tensor) {
	g, err := nn.CheckAugmentForward(out, x, params)
	must(err)
	plane, size := g.H*g.W, g.C*g.H*g.W
	for n := 0; n < g.N; n++ {
		v, dy, dx, r0, c0, r1, c1 := augmentOf("AugmentForward", params.Host, n)
		src, dst := x.Host[n*size:][:size], out.Host[n*size:][:size]
		var sum float64
		for _, e := range src {
			sum += float64(e)
		}
		constant := float64(v[nn.AugmentImageMix])*sum/float64(size) + float64(v[nn.AugmentShift])
		for i := 0; i < g.H; i++ {
			for j := 0; j < g.W; j++ {
				si, sj := i+dy, j+dx
				if si < 0 || si >= g.H || sj < 0 || sj >= g.W || (i >= r0 && i < r1 && j >= c0 && j < c1) {
					for c := 0; c < g.C; c++ {
						dst[c*plane+i*g.W+j] = 0
					}
					continue
				}
				p := si*g.W + sj
				var pixel float64
				for c := 0; c < g.C; c++ {
					pixel += float64(src[c*plane+p])
				}
				base := float64(v[nn.AugmentChannelMix])*pixel/float64(g.C) + constant
				for c := 0; c < g.C; c++ {
					dst[c*plane+i*g.W+j] = float32(float64(v[nn.AugmentScale])*float64(src[c*plane+p]) + base)
				}
			}
		}
	}
}

// AugmentBackward implements nn.Backend: dx (=) from dout through the same transformation.
func (b *Backend) AugmentBackward(dx, dout, params *nn.Tensor) {
	g, err := nn.CheckAugmentBackward(dx, dout, params)
	must(err)
	plane, size := g.H*g.W, g.C*g.H*g.W
	for n := 0; n < g.N; n++ {
		v, dy, dxs, r0, c0, r1, c1 := augmentOf("AugmentBackward", params.Host, n)
		src, dst := dout.Host[n*size:][:size], dx.Host[n*size:][:size]
		// gathered reads dout at the output pixel that source pixel (si, sj) went to, 0 where
		// it went nowhere.
		gathered := func(c, si, sj int) float64 {
			i, j := si-dy, sj-dxs
			if i < 0 || i >= g.H || j < 0 || j >= g.W || (i >= r0 && i < r1 && j >= c0 && j < c1) {
				return 0
			}
			return float64(src[c*plane+i*g.W+j])
		}
		var sum float64
		for c := 0; c < g.C; c++ {
			for p := 0; p < plane; p++ {
				d := gathered(c, p/g.W, p%g.W)
				sum += d
			}
		}
		constant := float64(v[nn.AugmentImageMix]) * sum / float64(size)
		for p := 0; p < plane; p++ {
			si, sj := p/g.W, p%g.W
			var pixel float64
			for c := 0; c < g.C; c++ {
				d := gathered(c, si, sj)
				pixel += d
			}
			base := float64(v[nn.AugmentChannelMix])*pixel/float64(g.C) + constant
			for c := 0; c < g.C; c++ {
				d := gathered(c, si, sj)
				dst[c*plane+p] = float32(float64(v[nn.AugmentScale])*d + base)
			}
		}
	}
}
