// Kernels for the emulator's own tests: each planted fault next to its correct twin, so that
// the tests show both that the fault is caught and that the correct kernel passes.

// channel_sums_f32 writes the sum over n and s of channel c of x (N, C, S) to out[c], one
// thread per channel.
extern "C" __global__ void channel_sums_f32(float* out, const float* x, int N, int C, int S) {
	for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < C; c += blockDim.x * gridDim.x) {
		float sum = 0.0f;
		for (int n = 0; n < N; n++)
			for (int s = 0; s < S; s++) sum += x[(n * C + c) * S + s];
		out[c] = sum;
	}
}

// Planted fault: the wrong index, (c, n) for (n, c), as a transposed layout would give.
extern "C" __global__ void channel_sums_wrong_index_f32(float* out, const float* x, int N, int C, int S) {
	for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < C; c += blockDim.x * gridDim.x) {
		float sum = 0.0f;
		for (int n = 0; n < N; n++)
			for (int s = 0; s < S; s++) sum += x[(c * N + n) * S + s];
		out[c] = sum;
	}
}

// tree_sum_f32 sums x[0, blockDim.x) in shared memory by halving; launch one block of a
// power of two threads, at most 1024.
extern "C" __global__ void tree_sum_f32(float* out, const float* x) {
	__shared__ float part[1024];
	int t = threadIdx.x;
	part[t] = x[t];
	__syncthreads();
	for (int half = blockDim.x / 2; half > 0; half /= 2) {
		if (t < half) part[t] += part[t + half];
		__syncthreads();
	}
	if (t == 0) out[0] = part[0];
}

// Planted fault: no barrier between the halving steps, so a thread may read a partial sum
// before the thread that owns it has added to it.
extern "C" __global__ void tree_sum_missing_sync_f32(float* out, const float* x) {
	__shared__ float part[1024];
	int t = threadIdx.x;
	part[t] = x[t];
	__syncthreads();
	for (int half = blockDim.x / 2; half > 0; half /= 2) {
		if (t < half) part[t] += part[t + half];
	}
	if (t == 0) out[0] = part[0];
}

// warp_sum_f32 sums x[0, 32) with shuffles; launch one warp.
extern "C" __global__ void warp_sum_f32(float* out, const float* x) {
	float v = x[threadIdx.x];
	for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
	if (threadIdx.x == 0) out[0] = v;
}

// fill_f32 sets x[0, n) to v.
extern "C" __global__ void fill_f32(float* x, int n, float v) {
	for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) x[i] = v;
}

// Planted fault: the loop bound is off by one and writes x[n].
extern "C" __global__ void fill_out_of_bounds_f32(float* x, int n, float v) {
	for (int i = blockIdx.x * blockDim.x + threadIdx.x; i <= n; i += blockDim.x * gridDim.x) x[i] = v;
}

// Planted fault: only the first warp reaches the barrier; on a GPU the block would hang or
// go on with the barrier half-met.
extern "C" __global__ void divergent_sync_f32(float* x) {
	if (threadIdx.x < 32) __syncthreads();
	x[threadIdx.x] = 1.0f;
}
