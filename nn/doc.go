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
//
// # Where each op lives
//
// Every op family has one file stem in both backends: its CPU code is cpu/<stem>.go, its CUDA
// launcher cuda/<stem>.go and its kernels cuda/kernels/<stem>.cu (PTX in <stem>.ptx beside
// it). Helpers that are not ops keep names of their own: cpu/im2col.go and cuda/im2col.go
// (with cuda/kernels/im2col.cu) unfold images for the convolutions, gemm (a package of
// its own, which metrics uses too) and cuda/gemm.go multiply matrices, cpu/parallel.go splits
// work between cores, and cpu/<stem>_amd64.s holds an op's AVX-512 loops (activation_amd64.s
// the activations', simd_amd64.s BatchNorm's and Adam's).
//
//	layer (nn)               Backend methods                          stem           kernels
//	Linear                   LinearForward, LinearBackward            linear, bias   bias.cu
//	Conv2d                   Conv2DForward, Conv2DBackward            conv, bias     im2col.cu, bias.cu
//	ConvTranspose2d          ConvTranspose2DForward, ...Backward      convtranspose  im2col.cu, bias.cu
//	BatchNorm                BatchNormForward, BatchNormBackward      batchnorm      batchnorm.cu
//	Act (ReLU, Tanh, ...)    ActivationForward, ActivationBackward    activation     activation.cu
//	Projection               ProjectionForward, ProjectionBackward    projection     projection.cu
//	Objective (the losses)   LogitLoss                                loss           loss.cu
//	Optimizer (Adam)         AdamStep, then Clamp when Clip is set    optim, tensor  optim.cu, tensor.cu
//	the averaged G (train)   EMAUpdate                                optim          optim.cu
//	Tensor, Network          New, Free, Upload, Download, Fill, Copy  tensor         tensor.cu (Clamp)
//
// Reshape and Flatten run no op: a network aliases their tensors. The bias stem holds the bias
// add and its gradient (a per-channel sum) that Linear and the convolutions share. The CUDA
// backend alone has the convert stem (cuda/convert.go, cuda/kernels/convert.cu): byte transfers
// that convert uint8 to and from float32 on the device. cpu/backend.go and cuda/backend.go hold
// the Backend types and their constructors; cuda/device.go the context, its thread and the
// loading of kernels and cuBLAS; cuda/launch.go the kernel launch; cuda/memory.go the arena and
// scratch buffers; cuda/errors.go the translation and recording of driver errors; and
// cuda/kernels_gen.go the typed launchers generated from the kernels' signatures.
//
// # Shape contracts
//
// Each Backend method's shape rules are written once, here: Check<Method> (contract.go, and
// contract_layers.go for the layers' ops) validates every operand, its presence, rank and
// dimensions, and the parameters that sizes derive from, and returns the sizes the kernels
// need. Both backends call it before touching memory and panic with its message, prefixed by
// the backend's name; only limits of one backend's storage (the CUDA kernels' 32-bit indices)
// stay in that backend. The test harness that both backends' suites share, internal/nntest,
// feeds every method wrong operands on each backend and expects the contract's message.
package nn
