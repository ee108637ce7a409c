// Package toy is the one-dimensional experiment of the GAN tutorials: two small MLPs learn
// curves y = a·x² + (a−1), and D(real) and D's loss approach ½ and log 4, as the theory of
// the GAN paper expects at equilibrium. It runs package train's step on synthetic batches and
// draws its figure with package run; it imports no backend.
package toy
