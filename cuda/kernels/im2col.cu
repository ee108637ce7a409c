// Convolutions as matrix multiplies: im2col unfolds an image into columns, col2im folds
// columns back by gathering (one thread per pixel, no atomics, deterministic), and the
// channel-major rearrangements put a batch into the (C, N·S) layout one GEMM covers.
//
// Geometry, as in the CPU backend: column position (oh, ow) of kernel tap (ki, kj) reads
// pixel (oh·S−P+ki, ow·S−P+kj) of an image (N, C, H, W); there are OH·OW positions per image.
#include "common.cuh"

// im2col_f32 fills col (C·K·K, N·OH·OW) from img (N, C, H, W), zero outside the image.
extern "C" __global__ void im2col_f32(float* __restrict__ col, const float* __restrict__ img,
                                      int N, int C, int H, int W, int OH, int OW, int K, int S, int P) {
	int np = OH * OW, cols = N * np, total = C * K * K * cols;
	GRID_STRIDE(i, total) {
		int r = i / cols, j = i - r * cols;
		int c = r / (K * K), ki = r / K % K, kj = r % K;
		int n = j / np, p = j - n * np, oh = p / OW, ow = p - oh * OW;
		int ih = oh * S - P + ki, iw = ow * S - P + kj;
		float v = 0.0f;
		if (ih >= 0 && ih < H && iw >= 0 && iw < W) v = img[((n * C + c) * H + ih) * W + iw];
		col[i] = v;
	}
}

// col2im_f32 sets img (N, C, H, W) to the sum of the columns that read each pixel, plus
// bias[c] when bias is not null. The taps are summed in the CPU backend's order.
extern "C" __global__ void col2im_f32(float* __restrict__ img, const float* __restrict__ col,
                                      const float* __restrict__ bias,
                                      int N, int C, int H, int W, int OH, int OW, int K, int S, int P) {
	int cols = N * OH * OW, total = N * C * H * W;
	GRID_STRIDE(i, total) {
		int iw = i % W, t = i / W, ih = t % H;
		t /= H;
		int c = t % C, n = t / C;
		float sum = 0.0f;
		for (int ki = 0; ki < K; ki++) {
			int y = ih + P - ki;
			if (y < 0 || y % S != 0 || y / S >= OH) continue;
			const float* row = col + (c * K + ki) * K * cols + (n * OH + y / S) * OW;
			for (int kj = 0; kj < K; kj++) {
				int x = iw + P - kj;
				if (x < 0 || x % S != 0 || x / S >= OW) continue;
				sum += row[kj * cols + x / S];
			}
		}
		if (bias != nullptr) sum += bias[c];
		img[i] = sum;
	}
}

// to_channel_major_f32 rearranges src (N, C, S) into dst (C, N·S).
extern "C" __global__ void to_channel_major_f32(float* __restrict__ dst, const float* __restrict__ src,
                                                int N, int C, int S) {
	int ns = N * S;
	GRID_STRIDE(i, C * ns) {
		int c = i / ns, r = i - c * ns, n = r / S;
		dst[i] = src[(n * C + c) * S + (r - n * S)];
	}
}

// from_channel_major_f32 rearranges src (C, N·S) into dst (N, C, S), adding bias[c] when
// bias is not null.
extern "C" __global__ void from_channel_major_f32(float* __restrict__ dst, const float* __restrict__ src,
                                                  const float* __restrict__ bias, int N, int C, int S) {
	GRID_STRIDE(i, N * C * S) {
		int s = i % S, t = i / S, c = t % C, n = t / C;
		float v = src[(c * N + n) * S + s];
		if (bias != nullptr) v += bias[c];
		dst[i] = v;
	}
}
