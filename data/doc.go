// Package data loads the images a DCGAN trains on and shows them, and its samples, as grids.
//
// Sources are the MNIST-family datasets in their IDX files (MNIST, Fashion-MNIST, KMNIST and
// the EMNIST splits, see Catalog), fetched from their mirrors by Download, and folders of
// PNG, JPEG, GIF, WebP and BMP files. Open loads either into a Dataset whose images stay uint8
// in memory; a Loader turns them into shuffled (N, C, H, W) float32 batches in [-1, 1], one seeded
// order per epoch, prepared in the background. WriteGrid, WritePNGs and WriteGIF turn such
// tensors back into pictures, and ReadSamples reads them from disk again for metrics.
//
// A folder too large for memory is made a pack once (WritePack, gan data pack): its images
// decoded, resized and cropped into one file of uint8 images, labels and class names, with a
// fingerprint of the folder's file names, sizes and times that tells when the folder has
// changed. Open takes a pack as it takes a folder; the pack is memory-mapped, and the Loader's
// batches read their images from the file, so that a training run holds a few batches, not
// the dataset. pack.go documents the format.
// ReadNPY is the project's one reader of NumPy .npy files (samples, a generator's latents).
//
// Every reader treats its input as untrusted: sizes in headers are checked against the bytes
// that can back them before anything is allocated, and each failure is one error naming the
// file and the problem.
package data
