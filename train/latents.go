package train

import "math/rand/v2"

// The random streams of a run: each use of the run's seed draws from its own PCG stream,
// rand.NewPCG(seed, stream), so that adding a use never shifts another. The numbers are part
// of every run's bits (golden files, bitwise resume, a seed's samples): a new use takes a new
// number and none of these changes. TestRunStreams keeps them distinct and all in latents.go.
// Elsewhere the seed orders epoch e's data with data.Permutation(seed, e), reusing these
// numbers for epochs 1 to 6, and --eval-every's real images with streams 0 and 1 (metrics).
const (
	StreamInit     = 1 // network initialisation, G then D (the toy experiment's too)
	StreamSamples  = 2 // the fixed latents of the sample grids, and of gan generate --seed
	StreamLatents  = 3 // the latents of training steps, saved in checkpoints as z_rng
	StreamToyData  = 4 // the toy experiment's curves
	StreamEval     = 5 // the latents of --eval-every's samples
	StreamEMAStats = 6 // the latents whose batch statistics the averaged generator's BatchNorm layers take (run's EMA statistics)
	// Streams added after the epochs' orders took the small numbers: far above any epoch.
	StreamAugment = 0x6175670000000001 // --augment's parameters (augment.go), saved in checkpoints as augment_rng
	StreamMirror  = 0x6d69720000000001 // --mirror's flips of real images, saved in checkpoints as mirror_rng
)

// StreamBench draws gan bench's synthetic data from seed 1; a benchmark is no run, so it may
// share a number with a run's stream.
const StreamBench = 5

// FixedLatents are the latents of the sample grids for a seed: gan generate with a run's seed
// draws the same ones, so it reproduces the run's grids.
func FixedLatents(seed uint64, n, nz int) []float32 {
	z := make([]float32, n*nz)
	SampleLatents(z, rand.New(rand.NewPCG(seed, StreamSamples)))
	return z
}

// GridLatents are G's inputs for a sample grid of a run's seed: for an unconditional G the
// n·nz fixed latents; for a conditional one, one row per class of cols images, column j
// with the j-th fixed latent in every row, so that a row shows a class and a column one z.
func GridLatents(seed uint64, n, nz, classes, cols int) (z []float32, count int) {
	if classes == 0 {
		return FixedLatents(seed, n, nz), n
	}
	noise := FixedLatents(seed, cols, nz)
	return ClassLatents(noise, cols, classes, func(i int) int { return i / cols })
}

// ClassLatents repeats or takes the noise of cols samples for count = rows·cols samples and
// joins each to the one-hot code of classOf(i); rows is the number of classes.
func ClassLatents(noise []float32, cols, rows int, classOf func(i int) int) ([]float32, int) {
	nz := len(noise) / cols
	count := rows * cols
	full := make([]float32, 0, count*nz)
	labels := make([]float32, count)
	for i := 0; i < count; i++ {
		full = append(full, noise[(i%cols)*nz:(i%cols+1)*nz]...)
		labels[i] = float32(classOf(i))
	}
	z := make([]float32, count*(nz+rows))
	JoinClasses(z, full, labels, rows)
	return z, count
}

// Conditioned joins n·nz latents to classes: sample i gets class labels[i].
func Conditioned(noise []float32, labels []int, classes int) []float32 {
	lab := make([]float32, len(labels))
	for i, l := range labels {
		lab[i] = float32(l)
	}
	z := make([]float32, len(noise)+len(labels)*classes)
	JoinClasses(z, noise, lab, classes)
	return z
}
