// DiffAugment's transformations (nn/augment.go) and their gradient. One block per image: the
// block sums the image (or the gradient that reaches it) with block_sum, whose order depends
// only on blockDim, then each thread maps its pixels. Gathers, no atomics.
#include "common.cuh"

// The columns of a row of parameters, as nn's Augment* constants number them.
enum { SCALE, CHANNEL_MIX, IMAGE_MIX, SHIFT, ROW_SHIFT, COL_SHIFT, CUT_ROW, CUT_COL, CUT_H, CUT_W, VALUES };

// source_of returns the pixel of the input that output pixel (i, j) of an image with
// parameters v reads, or -1 where the translation uncovers it or the cut-out removes it.
__device__ __forceinline__ int source_of(const float* v, int i, int j, int H, int W) {
	int r0 = (int)v[CUT_ROW], c0 = (int)v[CUT_COL];
	if (i >= r0 && i < r0 + (int)v[CUT_H] && j >= c0 && j < c0 + (int)v[CUT_W]) return -1;
	int si = i + (int)v[ROW_SHIFT], sj = j + (int)v[COL_SHIFT];
	if (si < 0 || si >= H || sj < 0 || sj >= W) return -1;
	return si * W + sj;
}

// augment_forward_f32: out[n, c, i, j] = keep·(cs·x[c, p] + c(1−s)·mean_C x[p] + (1−c)·mean x + b)
// with p the source pixel of (i, j), 0 where there is none; x and out (N, C, H, W).
extern "C" __global__ void augment_forward_f32(float* __restrict__ out, const float* __restrict__ x,
                                               const float* __restrict__ params, int N, int C, int H, int W) {
	int plane = H * W, size = C * plane;
	for (int n = blockIdx.x; n < N; n += gridDim.x) {
		const float* v = params + (long long)n * VALUES;
		const float* src = x + (long long)n * size;
		float* dst = out + (long long)n * size;
		double sum = 0.0;
		for (int e = threadIdx.x; e < size; e += blockDim.x) sum += (double)src[e];
		double constant = (double)v[IMAGE_MIX] * block_sum(sum) / size + (double)v[SHIFT];
		for (int q = threadIdx.x; q < plane; q += blockDim.x) {
			int p = source_of(v, q / W, q % W, H, W);
			if (p < 0) {
				for (int c = 0; c < C; c++) dst[c * plane + q] = 0.0f;
				continue;
			}
			double pixel = 0.0;
			for (int c = 0; c < C; c++) pixel += (double)src[c * plane + p];
			double base = (double)v[CHANNEL_MIX] * pixel / C + constant;
			for (int c = 0; c < C; c++) dst[c * plane + q] = (float)((double)v[SCALE] * (double)src[c * plane + p] + base);
		}
	}
}

// dout_reaching returns the gradient that source pixel p of channel c receives: dout at the
// output pixel that read it, 0 where none did (the translation is one to one).
__device__ __forceinline__ double dout_reaching(const float* v, const float* dout, int c, int p, int H, int W) {
	int i = p / W - (int)v[ROW_SHIFT], j = p % W - (int)v[COL_SHIFT];
	if (i < 0 || i >= H || j < 0 || j >= W) return 0.0;
	int r0 = (int)v[CUT_ROW], c0 = (int)v[CUT_COL];
	if (i >= r0 && i < r0 + (int)v[CUT_H] && j >= c0 && j < c0 + (int)v[CUT_W]) return 0.0;
	return (double)dout[c * H * W + i * W + j];
}

// augment_backward_f32: dx (=) = cs·g + c(1−s)·mean_C g + (1−c)·mean g, with g the gradient
// that reaches each input pixel; dx and dout (N, C, H, W).
extern "C" __global__ void augment_backward_f32(float* __restrict__ dx, const float* __restrict__ dout,
                                                const float* __restrict__ params, int N, int C, int H, int W) {
	int plane = H * W, size = C * plane;
	for (int n = blockIdx.x; n < N; n += gridDim.x) {
		const float* v = params + (long long)n * VALUES;
		const float* src = dout + (long long)n * size;
		float* dst = dx + (long long)n * size;
		double sum = 0.0;
		for (int e = threadIdx.x; e < size; e += blockDim.x) sum += dout_reaching(v, src, e / plane, e % plane, H, W);
		double constant = (double)v[IMAGE_MIX] * block_sum(sum) / size;
		for (int p = threadIdx.x; p < plane; p += blockDim.x) {
			double pixel = 0.0;
			for (int c = 0; c < C; c++) pixel += dout_reaching(v, src, c, p, H, W);
			double base = (double)v[CHANNEL_MIX] * pixel / C + constant;
			for (int c = 0; c < C; c++)
				dst[c * plane + p] = (float)((double)v[SCALE] * dout_reaching(v, src, c, p, H, W) + base);
		}
	}
}
