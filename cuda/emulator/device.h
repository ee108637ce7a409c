// The stand-in for nvcc's device environment: the kernels of cuda/kernels/*.cu are compiled by
// the host C++ compiler with this header force-included (-include device.h), so that the
// emulated driver runs the very sources that become the PTX. Each thread of a block is a
// fiber; the block-level barrier and the warp shuffles are the only points where a fiber
// gives way, so shared memory behaves as on a GPU: writes made before a barrier are seen
// after it, and a read that lacks its barrier sees whatever the (shuffled) fiber order left.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

struct uint3 {
	unsigned int x, y, z;
};
struct dim3 {
	unsigned int x, y, z;
};

// The launch's coordinates. The emulator runs one kernel at a time (under a lock) and sets
// threadIdx before it resumes each fiber, so plain globals serve every fiber of the block.
extern "C" uint3 gogan_emu_threadIdx, gogan_emu_blockIdx;
extern "C" dim3 gogan_emu_blockDim, gogan_emu_gridDim;
#define threadIdx gogan_emu_threadIdx
#define blockIdx gogan_emu_blockIdx
#define blockDim gogan_emu_blockDim
#define gridDim gogan_emu_gridDim

// A kernel is an ordinary function called once per thread. Device functions get internal
// linkage, as each .cu file is its own module on the GPU and may reuse a helper's name.
#define __global__
#define __device__ static
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
// Shared memory is one instance per launch site, shared by the block's fibers. Blocks run
// one after another, so a block starts with what the previous block left, as a GPU's would
// with whatever its multiprocessor held.
#define __shared__ static
#define __constant__ static const

extern "C" {
// gogan_emu_syncthreads is __syncthreads: the fiber waits until every thread of the block
// has reached a barrier.
void gogan_emu_syncthreads(void);
// gogan_emu_warp_exchange publishes size bytes at v for the other lanes of the calling
// thread's warp, waits until all 32 lanes have published (mask must name all of them), and
// returns where lane src's bytes are.
const void* gogan_emu_warp_exchange(const void* v, unsigned size, unsigned mask, int src);
// gogan_emu_lane is the calling thread's lane in its warp.
int gogan_emu_lane(void);
}

static inline void __syncthreads() { gogan_emu_syncthreads(); }

template <typename T>
static inline T gogan_emu_shfl(unsigned mask, T v, int src) {
	T out;
	std::memcpy(&out, gogan_emu_warp_exchange(&v, sizeof v, mask, src), sizeof out);
	return out;
}

template <typename T>
static inline T __shfl_sync(unsigned mask, T v, int src, int width = 32) {
	int lane = gogan_emu_lane();
	return gogan_emu_shfl(mask, v, (lane & ~(width - 1)) + (src & (width - 1)));
}

template <typename T>
static inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
	int lane = gogan_emu_lane(), src = lane + (int)delta;
	return gogan_emu_shfl(mask, v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}

template <typename T>
static inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
	int lane = gogan_emu_lane(), src = lane - (int)delta;
	return gogan_emu_shfl(mask, v, src >= (lane & ~(width - 1)) ? src : lane);
}

template <typename T>
static inline T __shfl_xor_sync(unsigned mask, T v, int lanemask, int width = 32) {
	int lane = gogan_emu_lane(), src = lane ^ lanemask;
	return gogan_emu_shfl(mask, v, (src & ~(width - 1)) == (lane & ~(width - 1)) ? src : lane);
}

static inline void __syncwarp(unsigned mask = 0xffffffffu) {
	int unused = 0;
	gogan_emu_warp_exchange(&unused, sizeof unused, mask, gogan_emu_lane());
}

// Fibers never run at the same time, so the atomics are plain read-modify-writes.
template <typename T>
static inline T atomicAdd(T* p, T v) {
	T old = *p;
	*p = old + v;
	return old;
}

// The bit reinterpretations, through one memcpy helper (std::bit_cast is C++20).
template <typename To, typename From>
static inline To bit_copy(From v) {
	static_assert(sizeof(To) == sizeof(From), "reinterpretation between types of different sizes");
	To t;
	std::memcpy(&t, &v, sizeof t);
	return t;
}
static inline int __float_as_int(float f) { return bit_copy<int>(f); }
static inline float __int_as_float(int i) { return bit_copy<float>(i); }
static inline unsigned __float_as_uint(float f) { return bit_copy<unsigned>(f); }
static inline float __uint_as_float(unsigned i) { return bit_copy<float>(i); }
