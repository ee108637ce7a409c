package metrics

import "math/rand/v2"

// rotations are the classes of TaskRotation: turns by 0, 90, 180 and 270 degrees.
const rotations = 4

// rotatePlane writes to dst the side×side plane src turned k quarter turns counterclockwise.
func rotatePlane(dst, src []float32, side, k int) {
	last := side - 1
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			var sx, sy int
			switch k {
			case 0:
				sx, sy = x, y
			case 1: // the pixel at (x, y) of the result comes from (last−y, x) of the source
				sx, sy = last-y, x
			case 2:
				sx, sy = last-x, last-y
			case 3:
				sx, sy = y, last-x
			}
			dst[y*side+x] = src[sy*side+sx]
		}
	}
}

// rotateImage turns every plane of one image (C, S, S) k quarter turns, in place.
func rotateImage(img []float32, in Input, k int, tmp []float32) {
	plane := in.Side * in.Side
	for p := 0; p < len(img); p += plane {
		rotatePlane(tmp, img[p:p+plane], in.Side, k)
		copy(img[p:p+plane], tmp)
	}
}

// rotateBatch turns each image of batch by a random number of quarter turns and writes that
// number, its rotation class, to labels.
func rotateBatch(batch []float32, labels []uint8, in Input, rng *rand.Rand) {
	tmp := make([]float32, in.Side*in.Side)
	per := in.Size()
	for i := range labels {
		k := rng.IntN(rotations)
		rotateImage(batch[i*per:(i+1)*per], in, k, tmp)
		labels[i] = uint8(k)
	}
}

// rotateAll returns every image of x in each of the four rotations, with the rotations as
// labels: what a rotation extractor's accuracy is measured on.
func rotateAll(x []float32, in Input) ([]float32, []uint8) {
	per := in.Size()
	n := len(x) / per
	out := make([]float32, 0, rotations*len(x))
	labels := make([]uint8, 0, rotations*n)
	tmp := make([]float32, in.Side*in.Side)
	for k := 0; k < rotations; k++ {
		start := len(out)
		out = append(out, x...)
		for i := 0; i < n; i++ {
			rotateImage(out[start+i*per:start+(i+1)*per], in, k, tmp)
			labels = append(labels, uint8(k))
		}
	}
	return out, labels
}
