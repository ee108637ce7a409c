// The bias of convolutions and linear layers: adding it per channel, and its gradient, a
// per-channel reduction in two stages (channel_partials_f32, then channel_sum_finish_f32),
// accumulated in double like the CPU backend.
#include "common.cuh"

// add_bias_f32 adds bias[c] to every element of channel c of x (N, C, S).
extern "C" __global__ void add_bias_f32(float* __restrict__ x, const float* __restrict__ bias, int N, int C, int S) {
	GRID_STRIDE(i, N * C * S) { x[i] += bias[i / S % C]; }
}

// channel_partials_f32 is the first stage of a per-channel reduction of x (N, C, S) over n
// and s, in double: block c·P + p sums part p of channel c, the elements e (counted over
// (n, s) in order) in [p·chunk, min((p+1)·chunk, N·S)) with chunk = ⌈N·S/P⌉, and writes it
// to partial[c·P + p]. When center is not null it sums (x − center[c])² instead. The parts
// and the order of the additions depend only on the shape, never on timing, so the sums are
// the same from run to run; spreading a channel over P blocks fills the GPU where one block
// per channel would leave most of it idle. Launch with C·P blocks.
extern "C" __global__ void channel_partials_f32(double* __restrict__ partial, const float* __restrict__ x,
                                                const double* __restrict__ center, int N, int C, int S, int P) {
	int c = blockIdx.x / P, p = blockIdx.x % P, m = N * S, chunk = (m + P - 1) / P;
	int lo = p * chunk, hi = lo + chunk < m ? lo + chunk : m;
	double sum = 0.0;
	if (center == nullptr) {
		for (int e = lo + threadIdx.x; e < hi; e += blockDim.x) sum += x[channel_at(e, c, C, S)];
	} else {
		double mu = center[c];
		for (int e = lo + threadIdx.x; e < hi; e += blockDim.x) {
			double d = x[channel_at(e, c, C, S)] - mu;
			sum += d * d;
		}
	}
	sum = block_sum(sum);
	if (threadIdx.x == 0) partial[blockIdx.x] = sum;
}

// channel_sum_finish_f32, the second stage: adds to out[c] the sum of channel c's P partials
// (the bias gradient of a convolution or linear layer). Launch with C blocks.
extern "C" __global__ void channel_sum_finish_f32(float* __restrict__ out, const double* __restrict__ partial,
                                                  int C, int P) {
	double sum = channel_total(partial, blockIdx.x, P);
	if (threadIdx.x == 0) out[blockIdx.x] += (float)sum;
}
