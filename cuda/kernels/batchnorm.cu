// Batch normalisation over x (N, C, S): statistics in double, reduced in two stages (P blocks
// per channel, then one; see channel_partials_f32 in bias.cu), then elementwise passes.
// scale_shift (2C) carries the per-channel affine map from the statistics kernels to the
// apply kernel; coef (2C doubles) carries Σdy and Σdy·x̂ to the dx kernel.
#include "common.cuh"

// bn_mean_f32 writes the batch mean of each channel, from the P partial sums of
// channel_partials_f32 over its M elements. Launch with C blocks.
extern "C" __global__ void bn_mean_f32(double* __restrict__ mean, const double* __restrict__ partial, int C, int P,
                                       int M) {
	double sum = channel_total(partial, blockIdx.x, P);
	if (threadIdx.x == 0) mean[blockIdx.x] = sum / M;
}

// bn_stats_finish_f32 takes the mean and the P partial sums of squared deviations of channel
// blockIdx.x (over M elements), saves the mean and 1/sqrt(var+eps) with the biased variance,
// updates the running statistics with the unbiased variance, and writes scale = w/σ and
// shift = b − μ·w/σ. Launch with C blocks.
extern "C" __global__ void bn_stats_finish_f32(const double* __restrict__ mean_of, const double* __restrict__ partial,
                                               const float* __restrict__ weight, const float* __restrict__ bias,
                                               float* __restrict__ save_mean, float* __restrict__ save_inv_std,
                                               float* __restrict__ running_mean, float* __restrict__ running_var,
                                               float* __restrict__ scale_shift, int C, int P, int M, float eps,
                                               float momentum) {
	int c = blockIdx.x;
	double var = channel_total(partial, c, P) / M;
	if (threadIdx.x != 0) return;
	double mean = mean_of[c], inv_std = 1.0 / sqrt(var + (double)eps), mom = momentum, w = weight[c];
	save_mean[c] = (float)mean;
	save_inv_std[c] = (float)inv_std;
	running_mean[c] = (float)((1 - mom) * running_mean[c] + mom * mean);
	running_var[c] = (float)((1 - mom) * running_var[c] + mom * var * M / (M - 1));
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

// bn_backward_partials_f32 is the first stage of the backward reduction: block c·P + p sums
// dy and dy·x̂ over part p of channel c (the parts of channel_partials_f32) into
// partial[c·P + p] and partial[C·P + c·P + p]. Launch with C·P blocks.
extern "C" __global__ void bn_backward_partials_f32(double* __restrict__ partial, const float* __restrict__ dout,
                                                    const float* __restrict__ x, const float* __restrict__ save_mean,
                                                    const float* __restrict__ save_inv_std, int N, int C, int S,
                                                    int P) {
	int c = blockIdx.x / P, p = blockIdx.x % P, m = N * S, chunk = (m + P - 1) / P;
	int lo = p * chunk, hi = lo + chunk < m ? lo + chunk : m;
	double mean = save_mean[c], inv_std = save_inv_std[c], sdy = 0.0, sdyx = 0.0;
	for (int e = lo + threadIdx.x; e < hi; e += blockDim.x) {
		int i = channel_at(e, c, C, S);
		double dy = dout[i];
		sdy += dy;
		sdyx += dy * ((x[i] - mean) * inv_std);
	}
	sdy = block_sum(sdy);
	sdyx = block_sum(sdyx);
	if (threadIdx.x != 0) return;
	partial[blockIdx.x] = sdy;
	partial[C * P + blockIdx.x] = sdyx;
}

// bn_backward_finish_f32 sums channel blockIdx.x's partials of Σdy and Σdy·x̂, adds them to
// dbias and dweight when those are not null, and keeps them in coef for bn_backward_dx_f32.
// Launch with C blocks.
extern "C" __global__ void bn_backward_finish_f32(float* __restrict__ dweight, float* __restrict__ dbias,
                                                  double* __restrict__ coef, const double* __restrict__ partial,
                                                  int C, int P) {
	int c = blockIdx.x;
	double sdy = channel_total(partial, c, P);
	double sdyx = channel_total(partial + C * P, c, P);
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
