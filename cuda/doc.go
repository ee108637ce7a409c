// Package cuda is gogan's GPU backend: every op of nn.Backend on an NVIDIA GPU, tested op for
// op against the CPU reference (package cpu).
//
// The backend lives in files built with the cuda tag (make build-cuda); without it, New
// returns an error that says how to rebuild, so the command line and the trainer compile
// unchanged and the plain build stays pure Go (CGO_ENABLED=0 works).
//
// In the cuda build the driver API comes from gorgonia.org/cu and only libcuda.so.1 is linked:
// cuBLAS is loaded at run time over the sonames of CUDA 13, 12 and 11, wherever users have it
// (toolkits, Python environments), or from the file that GOGAN_CUBLAS names (package
// cuda/internal/cublas), so a binary built against one toolkit runs on machines with another.
// cu compiles against CUDA 13's headers through the cuda.h wrapper in cuda/include, which the
// Makefile puts first on cgo's include path. The driver must support CUDA 11.8 (R520 or newer). A cuda
// binary opens the driver at run time and starts without one (package cuda/internal/guard):
// where there is no driver library, no GPU or too old a driver, New and Info say which and
// the CPU backend still works; its test binaries report the reason and run no tests, or
// fail with GOGAN_CUDA_REQUIRE=1.
//
// The kernels (cuda/kernels/*.cu) are compiled by go generate to PTX for a fixed virtual
// architecture and from it to SASS for sm_80 and sm_90, committed and embedded; the backend
// loads the SASS where the GPU runs it and otherwise has the driver compile the PTX
// (images.go; gan info says which). Each op family has one file stem, as in package cpu: the launchers of
// <stem>.go queue the kernels of kernels/<stem>.cu, and the ops with no kernels of their own
// (linear.go, conv.go, convtranspose.go) use cuBLAS and those of im2col.cu and bias.cu.
// Package nn's documentation maps every layer to its files. backend.go holds the Backend type, device.go its context and thread, launch.go
// the launch, memory.go the arena and errors.go the driver's errors.
//
// All CUDA calls run on one goroutine locked to its OS thread, which holds the context: each
// Backend method checks its operands against its contract in package nn on the caller's
// goroutine, then hands the work to that thread.
// Ops are queued without waiting, on one stream; only Upload, Download and Sync wait. Device
// memory comes from an arena that grows in large chunks when networks are built and reuses
// freed blocks, so a training step allocates nothing. The first error of queued work is kept
// and reported by Sync; later work is skipped.
//
// A training step can be recorded once as a CUDA graph and replayed (see Capturer), which
// removes the launch overhead of its many small kernels.
//
// Setting GOGAN_CUDA_SYNC=1 makes every launch wait for the GPU and check for errors, so that
// a fault is reported against the op that caused it.
package cuda

//go:generate go run ./internal/genptx -dir kernels
