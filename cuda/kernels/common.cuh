// Helpers shared by gogan's kernels: grid-stride loops and deterministic block reductions.
#pragma once

// A grid-stride loop over [0, n): any grid covers any size, so the launchers may cap the grid.
// The counter is 64-bit because a 32-bit one wraps to a negative index when n is within one
// stride of 2³¹; the body sees i as an int, which it is, being below n, and keeps the cheap
// 32-bit arithmetic of the index computations.
#define GRID_STRIDE(i, n)                                                                          \
	for (long long i##_wide = (long long)blockIdx.x * blockDim.x + threadIdx.x, i##_end = (n);      \
	     i##_wide < i##_end; i##_wide += (long long)blockDim.x * gridDim.x)                         \
		if (int i = (int)i##_wide; true)

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
	// Only warp 0 reads partial: another warp reading it while lane 0 writes partial[0] below
	// would be a race (harmless to the sum, but not to a race checker).
	if (warp == 0) {
		int warps = blockDim.x >> 5;
		v = lane < warps ? partial[lane] : 0.0;
		for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
		if (lane == 0) partial[0] = v;
	}
	__syncthreads();
	return partial[0];
}

// channel_total is the sum of the P partial sums of channel c, partial[c·P .. c·P+P), added in
// a fixed order (P at most blockDim.x), returned to every thread of the block: the second
// stage of the per-channel reductions.
__device__ __forceinline__ double channel_total(const double* __restrict__ partial, int c, int P) {
	double v = 0.0;
	for (int t = threadIdx.x; t < P; t += blockDim.x) v += partial[c * P + t];
	return block_sum(v);
}

// channel_at is the index of element e of channel c in an (N, C, S) tensor, counting e over
// (n, s) in order.
__device__ __forceinline__ int channel_at(int e, int c, int C, int S) {
	int n = e / S;
	return (n * C + c) * S + (e - n * S);
}
