// The bias of convolutions and linear layers: adding it per channel, and its gradient, a
// per-channel reduction (one block per channel) accumulated in double like the CPU backend.
#include "common.cuh"

// add_bias_f32 adds bias[c] to every element of channel c of x (N, C, S).
extern "C" __global__ void add_bias_f32(float* __restrict__ x, const float* __restrict__ bias, int N, int C, int S) {
	GRID_STRIDE(i, N * C * S) { x[i] += bias[i / S % C]; }
}

// channel_sum_add_f32 adds to out[c] the sum of x (N, C, S) over n and s: the bias gradient
// of a convolution or linear layer. Launch with C blocks.
extern "C" __global__ void channel_sum_add_f32(float* __restrict__ out, const float* __restrict__ x,
                                               int N, int C, int S) {
	int c = blockIdx.x;
	double sum = 0.0;
	for (int e = threadIdx.x; e < N * S; e += blockDim.x) sum += x[channel_at(e, c, C, S)];
	sum = block_sum(sum);
	if (threadIdx.x == 0) out[c] += (float)sum;
}
