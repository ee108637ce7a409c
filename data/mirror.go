package data

import "math/rand/v2"

// MirrorBatch flips each of the n images of a batch (n·c·h·w values, (N, C, H, W) order)
// left to right with probability ½, the --mirror augmentation of real images that DCGAN users
// apply to small datasets. It draws exactly one value from rng per image, whether it flips or
// not, so that the stream's position after a batch depends on the batch size alone.
func MirrorBatch(images []float32, n, c, h, w int, rng *rand.Rand) {
	size := c * h * w
	for k := 0; k < n; k++ {
		if rng.Uint64()&1 == 0 {
			continue
		}
		img := images[k*size : (k+1)*size]
		for r := 0; r < c*h; r++ {
			row := img[r*w : (r+1)*w]
			for i, j := 0, w-1; i < j; i, j = i+1, j-1 {
				row[i], row[j] = row[j], row[i]
			}
		}
	}
}
