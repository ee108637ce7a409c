// The GAN losses as averages of an elementwise term f of the discriminator's logits. term is
// an nn.LossTerm (nn_enums.h, generated from package nn); the arithmetic is the CPU backend's
// (cpu.LossTermValue), in double.
#include "common.cuh"
#include "nn_enums.h"

__device__ double softplus(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }

__device__ double sigmoid(double x) {
	if (x >= 0.0) return 1.0 / (1.0 + exp(-x));
	double e = exp(x);
	return e / (1.0 + e);
}

// term_value returns f(x) and stores f'(x) in *grad.
__device__ double term_value(int term, double x, double* grad) {
	switch (term) {
	case nn_TermSoftplusNeg: *grad = sigmoid(x) - 1.0; return softplus(-x);  // softplus(−x)
	case nn_TermSoftplus: *grad = sigmoid(x); return softplus(x);          // softplus(x)
	case nn_TermNegSoftplus: *grad = -sigmoid(x); return -softplus(x);        // −softplus(x)
	case nn_TermSquareOne: *grad = x - 1.0; return 0.5 * (x - 1.0) * (x - 1.0);
	case nn_TermSquareZero: *grad = x; return 0.5 * x * x;
	case nn_TermHingeOne: *grad = x < 1.0 ? -1.0 : 0.0; return x < 1.0 ? 1.0 - x : 0.0;
	case nn_TermHingeNegOne: *grad = x > -1.0 ? 1.0 : 0.0; return x > -1.0 ? 1.0 + x : 0.0;
	case nn_TermNeg: *grad = -1.0; return -x;
	case nn_TermIdentity:
	default: *grad = 1.0; return x;
	}
}

// logit_loss_f32 writes stats = [mean f(x), mean σ(x), mean x] and, when dlogits is not null,
// dlogits = scale·f'(x)/n. Launch with one block.
extern "C" __global__ void logit_loss_f32(float* __restrict__ stats, float* __restrict__ dlogits,
                                          const float* __restrict__ logits, int n, int term, float scale) {
	double sum = 0.0, sum_sig = 0.0, sum_x = 0.0;
	for (int i = threadIdx.x; i < n; i += blockDim.x) {
		double x = logits[i], g;
		sum += term_value(term, x, &g);
		sum_sig += sigmoid(x);
		sum_x += x;
		if (dlogits != nullptr) dlogits[i] = (float)((double)scale * g / n);
	}
	sum = block_sum(sum);
	sum_sig = block_sum(sum_sig);
	sum_x = block_sum(sum_x);
	if (threadIdx.x == 0) {
		stats[0] = (float)(sum / n);
		stats[1] = (float)(sum_sig / n);
		stats[2] = (float)(sum_x / n);
	}
}
