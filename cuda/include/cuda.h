// gogan's cuda.h: the toolkit's own, plus the driver API's legacy prototypes that
// gorgonia.org/cu calls and that CUDA 13's header no longer declares.
//
// Why: CUDA 13's cuda.h maps cuCtxCreate to cuCtxCreate_v4, which takes a CUctxCreateParams*
// as well, and cuMemAdvise and cuMemPrefetchAsync to their _v2 forms, which take a
// CUmemLocation. gorgonia.org/cu calls the older forms, so it no longer compiles. The driver
// (libcuda.so.1) still exports the older entry points, unchanged, for binaries built against
// older toolkits, so declaring them again and pointing the names back at them is all that is
// needed: no fork of cu and no change to the module cache.
//
// How: the Makefile's CUDA targets put this folder first on cgo's include path
// (CGO_CPPFLAGS=-I.../cuda/include), so every `#include <cuda.h>` of cu and of gogan finds this
// file, which includes the toolkit's with #include_next. With CUDA 11 and 12 headers nothing
// changes. The prototypes below are NVIDIA's documented signatures of the legacy functions.
#ifndef GOGAN_CUDA_H
#define GOGAN_CUDA_H

#include_next <cuda.h>

#if CUDA_VERSION >= 13000

#ifdef __cplusplus
extern "C" {
#endif

#undef cuCtxCreate
#define cuCtxCreate cuCtxCreate_v2
CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags, CUdevice dev);

#undef cuMemAdvise
CUresult CUDAAPI cuMemAdvise(CUdeviceptr devPtr, size_t count, CUmem_advise advice, CUdevice device);

#undef cuMemPrefetchAsync
CUresult CUDAAPI cuMemPrefetchAsync(CUdeviceptr devPtr, size_t count, CUdevice dstDevice, CUstream hStream);

#ifdef __cplusplus
}
#endif

#endif  // CUDA_VERSION >= 13000

#endif  // GOGAN_CUDA_H
