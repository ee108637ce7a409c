// Whole-tensor elementwise ops that are no layer's: clamp (weight clipping).
#include "common.cuh"

// clamp_f32 limits every element of x to [lo, hi].
extern "C" __global__ void clamp_f32(float* __restrict__ x, int n, float lo, float hi) {
	GRID_STRIDE(i, n) { x[i] = fminf(fmaxf(x[i], lo), hi); }
}
