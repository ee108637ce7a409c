// The projection discriminator's output layer (Miyato & Koyama 2018) and its gradients.
// Labels are class indices held as floats. Sums run in double over one index in order, one
// thread per output element, as the CPU backend does: gathers, no atomics.
#include "common.cuh"

// projection_forward_f32: out[n] = Σ_f x[n, f]·(w[f] + table[labels[n], f]), x (N, F),
// table (K, F).
extern "C" __global__ void projection_forward_f32(float* __restrict__ out, const float* __restrict__ x,
                                                  const float* __restrict__ w, const float* __restrict__ table,
                                                  const float* __restrict__ labels, int N, int F) {
	GRID_STRIDE(n, N) {
		const float* xs = x + (long long)n * F;
		const float* row = table + (long long)labels[n] * F;
		double sum = 0.0;
		for (int f = 0; f < F; f++) sum += (double)xs[f] * (double)(w[f] + row[f]);
		out[n] = (float)sum;
	}
}

// projection_backward_dx_f32: dx[n, f] = dout[n]·(w[f] + table[labels[n], f]).
extern "C" __global__ void projection_backward_dx_f32(float* __restrict__ dx, const float* __restrict__ dout,
                                                      const float* __restrict__ w, const float* __restrict__ table,
                                                      const float* __restrict__ labels, int N, int F) {
	GRID_STRIDE(i, N * F) {
		int n = i / F, f = i - n * F;
		dx[i] = dout[n] * (w[f] + table[(long long)labels[n] * F + f]);
	}
}

// projection_backward_params_f32 accumulates the parameter gradients, one thread per
// element of (K+1, F): row k < K of dtable (K, F) sums dout[n]·x[n, f] over the samples of
// class k, row K is dw (F), the sum over every sample. A null dw or dtable is skipped.
extern "C" __global__ void projection_backward_params_f32(float* __restrict__ dw, float* __restrict__ dtable,
                                                          const float* __restrict__ dout,
                                                          const float* __restrict__ x,
                                                          const float* __restrict__ labels, int N, int K, int F) {
	GRID_STRIDE(i, (K + 1) * F) {
		int k = i / F, f = i - k * F;
		float* dst = k == K ? (dw == nullptr ? nullptr : dw + f) : (dtable == nullptr ? nullptr : dtable + i);
		if (dst == nullptr) continue;
		double sum = 0.0;
		for (int n = 0; n < N; n++) {
			if (k == K || (int)labels[n] == k)
				sum += (double)dout[n] * (double)x[(long long)n * F + f];
		}
		*dst += (float)sum;
	}
}
