// Batch normalisation over x (N, C, S): statistics with one block per channel in double, then
// elementwise passes. scale_shift (2C) carries the per-channel affine map from the statistics
// kernel to the apply kernel; coef (2C doubles) carries Σdy and Σdy·x̂ to the dx kernel.
#include "common.cuh"

// bn_stats_f32 computes the batch mean and biased variance of channel blockIdx.x in two
// passes, saves the mean and 1/sqrt(var+eps), updates the running statistics with the
// unbiased variance, and writes scale = w/σ and shift = b − μ·w/σ. Launch with C blocks.
extern "C" __global__ void bn_stats_f32(const float* __restrict__ x, const float* __restrict__ weight,
                                        const float* __restrict__ bias, float* __restrict__ save_mean,
                                        float* __restrict__ save_inv_std, float* __restrict__ running_mean,
                                        float* __restrict__ running_var, float* __restrict__ scale_shift,
                                        int N, int C, int S, float eps, float momentum) {
	int c = blockIdx.x, m = N * S;
	double sum = 0.0;
	for (int e = threadIdx.x; e < m; e += blockDim.x) sum += x[channel_at(e, c, C, S)];
	double mean = block_sum(sum) / m;
	double sq = 0.0;
	for (int e = threadIdx.x; e < m; e += blockDim.x) {
		double d = x[channel_at(e, c, C, S)] - mean;
		sq += d * d;
	}
	double var = block_sum(sq) / m;
	if (threadIdx.x != 0) return;
	double inv_std = 1.0 / sqrt(var + (double)eps), mom = momentum, w = weight[c];
	save_mean[c] = (float)mean;
	save_inv_std[c] = (float)inv_std;
	running_mean[c] = (float)((1 - mom) * running_mean[c] + mom * mean);
	running_var[c] = (float)((1 - mom) * running_var[c] + mom * var * m / (m - 1));
	scale_shift[c] = (float)(w * inv_std);
	scale_shift[C + c] = (float)(bias[c] - mean * w * inv_std);
}

// bn_eval_prep_f32 writes the affine map of evaluation mode, from the running statistics.
extern "C" __global__ void bn_eval_prep_f32(const float* __restrict__ weight, const float* __restrict__ bias,
                                            const float* __restrict__ running_mean,
                                            const float* __restrict__ running_var,
                                            float* __restrict__ scale_shift, int C, float eps) {
	GRID_STRIDE(c, C) {
		double inv_std = 1.0 / sqrt((double)running_var[c] + (double)eps), w = weight[c];
		scale_shift[c] = (float)(w * inv_std);
		scale_shift[C + c] = (float)(bias[c] - running_mean[c] * w * inv_std);
	}
}

// bn_apply_f32: out = x·scale[c] + shift[c].
extern "C" __global__ void bn_apply_f32(float* __restrict__ out, const float* __restrict__ x,
                                        const float* __restrict__ scale_shift, int N, int C, int S) {
	GRID_STRIDE(i, N * C * S) {
		int c = i / S % C;
		out[i] = x[i] * scale_shift[c] + scale_shift[C + c];
	}
}

// bn_backward_reduce_f32 sums dy and dy·x̂ over channel blockIdx.x, adds them to dbias and
// dweight when those are not null, and keeps them in coef for bn_backward_dx_f32.
extern "C" __global__ void bn_backward_reduce_f32(const float* __restrict__ dout, const float* __restrict__ x,
                                                  const float* __restrict__ save_mean,
                                                  const float* __restrict__ save_inv_std,
                                                  float* __restrict__ dweight, float* __restrict__ dbias,
                                                  double* __restrict__ coef, int N, int C, int S) {
	int c = blockIdx.x;
	double mean = save_mean[c], inv_std = save_inv_std[c], sdy = 0.0, sdyx = 0.0;
	for (int e = threadIdx.x; e < N * S; e += blockDim.x) {
		int i = channel_at(e, c, C, S);
		double dy = dout[i];
		sdy += dy;
		sdyx += dy * ((x[i] - mean) * inv_std);
	}
	sdy = block_sum(sdy);
	sdyx = block_sum(sdyx);
	if (threadIdx.x != 0) return;
	if (dweight != nullptr) dweight[c] += (float)sdyx;
	if (dbias != nullptr) dbias[c] += (float)sdy;
	coef[c] = sdy;
	coef[C + c] = sdyx;
}

// bn_backward_dx_f32: dx = w·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)), M = N·S.
extern "C" __global__ void bn_backward_dx_f32(float* __restrict__ dx, const float* __restrict__ dout,
                                              const float* __restrict__ x, const float* __restrict__ weight,
                                              const float* __restrict__ save_mean,
                                              const float* __restrict__ save_inv_std,
                                              const double* __restrict__ coef, int N, int C, int S) {
	double m = (double)N * S;
	GRID_STRIDE(i, N * C * S) {
		int c = i / S % C;
		double inv_std = save_inv_std[c], xhat = (x[i] - (double)save_mean[c]) * inv_std;
		double k = weight[c] * inv_std / m;
		dx[i] = (float)(k * (m * dout[i] - coef[c] - xhat * coef[C + c]));
	}
}
