// Conversions between 8-bit pixels and float32 tensors, so that batches cross the bus as
// bytes and sample grids come back as bytes.
#include "common.cuh"

// u8_to_f32: dst = src·scale + shift; scale 2/255 and shift −1 map pixels to [−1, 1].
extern "C" __global__ void u8_to_f32(float* __restrict__ dst, const unsigned char* __restrict__ src, int n,
                                     float scale, float shift) {
	GRID_STRIDE(i, n) { dst[i] = (float)src[i] * scale + shift; }
}

// f32_to_u8: dst = round(src·scale + shift) clamped to [0, 255].
extern "C" __global__ void f32_to_u8(unsigned char* __restrict__ dst, const float* __restrict__ src, int n,
                                     float scale, float shift) {
	GRID_STRIDE(i, n) { dst[i] = (unsigned char)fminf(fmaxf(rintf(src[i] * scale + shift), 0.0f), 255.0f); }
}
