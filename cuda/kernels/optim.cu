// Optimisers, each one pass over a network's parameter arena, and the moving average of
// the generator's weights.
#include "common.cuh"

// adam_advance_f32 moves an Adam step counter on by one and derives the step's bias
// corrections from it. slot holds [step (int bits), lr/(1−β1^t), sqrt(1−β2^t)]. Keeping the
// counter on the device lets a captured CUDA graph replay Adam with the right step each time.
// Only the first thread works, whatever the launch.
extern "C" __global__ void adam_advance_f32(float* slot, float lr, float beta1, float beta2) {
	if (blockIdx.x != 0 || threadIdx.x != 0) return;
	int t = __float_as_int(slot[0]) + 1;
	double bc1 = 1.0 - pow((double)beta1, (double)t), bc2 = 1.0 - pow((double)beta2, (double)t);
	slot[0] = __int_as_float(t);
	slot[1] = (float)((double)lr / bc1);
	slot[2] = (float)sqrt(bc2);
}

// adam_f32 is PyTorch's Adam: weight decay added to the gradient, then
// m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², p −= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + eps).
extern "C" __global__ void adam_f32(float* __restrict__ p, const float* __restrict__ grad, float* __restrict__ m,
                                    float* __restrict__ v, const float* __restrict__ slot, int n, float beta1,
                                    float beta2, float eps, float weight_decay) {
	float step_size = slot[1], bc2_sqrt = slot[2];
	GRID_STRIDE(i, n) {
		float g = grad[i];
		if (weight_decay != 0.0f) g += weight_decay * p[i];
		float mi = m[i] * beta1 + (1.0f - beta1) * g;
		float vi = v[i] * beta2 + (1.0f - beta2) * g * g;
		m[i] = mi;
		v[i] = vi;
		p[i] -= step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
	}
}

// ema_update_f32 moves an average towards x: avg += w·(x − avg), w = 1 − decay, as the CPU
// backend and PyTorch's lerp_ do.
extern "C" __global__ void ema_update_f32(float* __restrict__ avg, const float* __restrict__ x, int n, float w) {
	GRID_STRIDE(i, n) { avg[i] = avg[i] + w * (x[i] - avg[i]); }
}
