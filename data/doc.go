// Package data loads the images a DCGAN trains on and shows them, and its samples, as grids.
//
// Sources are the MNIST-family datasets in their IDX files (MNIST, Fashion-MNIST, KMNIST and
// the EMNIST splits, see Catalog), fetched from their mirrors by Download, and folders of
// PNG, JPEG, GIF, WebP and BMP files. Open loads either into a Dataset whose images stay uint8
// in memory; a Loader turns them into shuffled (N, C, H, W) float32 batches in [-1, 1], one seeded
// order per epoch, prepared in the background. WriteGrid, WritePNGs and WriteGIF turn such
// tensors back into pictures, and ReadSamples reads them from disk again for metrics.
// ReadNPY is the project's one reader of NumPy .npy files (samples, a generator's latents).
//
// Every reader treats its input as untrusted: sizes in headers are checked against the bytes
// that can back them before anything is allocated, and each failure is one error naming the
// file and the problem.
package data
