// Elementwise nonlinearities. kind is an nn.ActivationKind (nn_enums.h, generated from
// package nn); slope is LeakyReLU's negative slope.
#include "common.cuh"
#include "nn_enums.h"

__device__ __forceinline__ float sigmoidf(float v) {
	if (v >= 0.0f) return 1.0f / (1.0f + expf(-v));
	float e = expf(v);
	return e / (1.0f + e);
}

extern "C" __global__ void act_forward_f32(float* __restrict__ out, const float* __restrict__ x, int n,
                                           int kind, float slope) {
	GRID_STRIDE(i, n) {
		float v = x[i];
		switch (kind) {
		case nn_ReLU: v = v > 0.0f || v != v ? v : 0.0f; break;  // NaN stays NaN, −0 becomes +0, as on the CPU
		case nn_LeakyReLU: v = v < 0.0f ? v * slope : v; break;
		case nn_Tanh: v = tanhf(v); break;
		case nn_Sigmoid:
		default: v = sigmoidf(v); break;
		}
		out[i] = v;
	}
}

// act_backward_f32: dx = f'(x)·dy, from x for ReLU-type activations and from y = f(x) for
// Tanh and Sigmoid.
extern "C" __global__ void act_backward_f32(float* __restrict__ dx, const float* __restrict__ dy,
                                            const float* __restrict__ x, const float* __restrict__ y, int n,
                                            int kind, float slope) {
	GRID_STRIDE(i, n) {
		float g = dy[i];
		switch (kind) {
		case nn_ReLU: g = x[i] > 0.0f ? g : 0.0f; break;
		case nn_LeakyReLU: g = x[i] > 0.0f ? g : g * slope; break;
		case nn_Tanh: g = g * (1.0f - y[i] * y[i]); break;
		case nn_Sigmoid:
		default: g = g * y[i] * (1.0f - y[i]); break;
		}
		dx[i] = g;
	}
}
