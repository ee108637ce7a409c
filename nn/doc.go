// Package nn is gogan's training engine: device tensors, the Backend interface that the CPU and
// CUDA backends implement op for op, layers with explicit forward and backward passes, networks
// whose parameters live in one arena, the GAN objectives and the optimisers.
//
// Layouts and names follow PyTorch: tensors are NCHW float32; a Conv2d weight is
// (out, in, kh, kw), a ConvTranspose2d weight (in, out, kh, kw), a Linear weight (out, in);
// BatchNorm has weight, bias, running_mean and running_var. A network's parameters are named
// as in an nn.Sequential of the same layers ("0.weight", "1.running_mean", ...), so state dicts
// move between gogan and PyTorch unchanged.
//
// Accumulation rule: every backward op adds its parameter gradients into the gradient arena
// (dw += ...), so that a discriminator's gradients from a real and a fake batch sum as they do
// in PyTorch; activation gradients (dx) are overwritten. Zero a network's gradients with
// Network.ZeroGrad, one clear of one buffer, before each optimiser step's backward passes.
//
// Ops are asynchronous on device backends: nothing returns to the host except through
// Backend.Download, so a whole training step stays on the device.
package nn
