// Helpers shared by gogan's kernels: grid-stride loops and deterministic block reductions.
#pragma once

// A grid-stride loop over [0, n): any grid covers any size, so the launchers may cap the grid.
#define GRID_STRIDE(i, n) \
	for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += blockDim.x * gridDim.x)

// block_sum returns the sum of v over the block to every thread. The order of the additions
// depends only on blockDim, never on timing, so reductions are the same from run to run.
// blockDim.x must be a multiple of 32, at most 1024.
__device__ __forceinline__ double block_sum(double v) {
	__shared__ double partial[32];
	for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	__syncthreads();  // partial may still be read by a previous call
	if (lane == 0) partial[warp] = v;
	__syncthreads();
	int warps = blockDim.x >> 5;
	v = lane < warps ? partial[lane] : 0.0;
	if (warp == 0) {
		for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
		if (lane == 0) partial[0] = v;
	}
	__syncthreads();
	return partial[0];
}

// channel_at is the index of element e of channel c in an (N, C, S) tensor, counting e over
// (n, s) in order.
__device__ __forceinline__ int channel_at(int e, int c, int C, int S) {
	int n = e / S;
	return (n * C + c) * S + (e - n * S);
}
