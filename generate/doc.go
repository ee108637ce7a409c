// Package generate makes images with a trained generator: it loads the generator's weights
// from a Source (a training checkpoint, package run; a safetensors state dict in PyTorch's
// names, Weights; another format is one more Source), builds the network the weights are for,
// runs it in chunks of bounded memory, and writes the images as a grid, a folder of PNGs or
// an .npy of the raw output. gan generate, gan eval and a run's sample grids all come here.
//
// generate imports models, nn, data, checkpoints, metrics (its chunked runner) and train (the
// latents and the finiteness check), and no backend.
package generate
