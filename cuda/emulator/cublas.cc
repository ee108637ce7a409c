// The emulated cuBLAS (libcublas.so.13): the entry points gogan resolves (see
// cuda/internal/cublas/shim.c) and a plain column-major SGEMM for every transpose case, run
// on the handle's stream of the emulated driver, so that GEMMs are captured into graphs too.
#include <cuda.h>

#include <cstdio>
#include <cstring>
#include <vector>
#include <algorithm>

extern "C" CUresult gogan_emu_stream_call(CUstream s, void (*fn)(void*), const void* arg, size_t size);
extern "C" int gogan_emu_check_range(const char* call, const char* what, CUdeviceptr p, size_t bytes);

namespace {

// The cuBLAS status codes and enums gogan uses, as cublas_api.h defines them.
enum Status { kSuccess = 0, kNotInitialized = 1, kInvalidValue = 7, kExecutionFailed = 13 };
enum Op { kN = 0, kT = 1, kC = 2 };

struct Handle {
	CUstream stream = nullptr;
	int math_mode = 0;
};

struct Gemm {
	int transa, transb, m, n, k;
	float alpha, beta;
	const float *a, *b;
	float* c;
	int lda, ldb, ldc;
};

// gemm computes C = α·op(A)·op(B) + β·C. Each element is a dot product in float, summed over
// l in order; the loops run l outside i only so that the compiler can vectorise over a
// column, which leaves every element's order of additions as it is. op(A) is first copied
// into a plain m × k column-major matrix. With β = 0, C is not read, as in cuBLAS, so that it
// may hold anything.
void gemm(void* arg) {
	const Gemm& g = *static_cast<const Gemm*>(arg);
	std::vector<float> a(size_t(g.m) * g.k), acc(size_t(g.m));
	for (int l = 0; l < g.k; l++)
		for (int i = 0; i < g.m; i++)
			a[i + size_t(l) * g.m] = g.transa == kN ? g.a[i + size_t(l) * g.lda] : g.a[l + size_t(i) * g.lda];
	for (int j = 0; j < g.n; j++) {
		std::fill(acc.begin(), acc.end(), 0.0f);
		for (int l = 0; l < g.k; l++) {
			float b = g.transb == kN ? g.b[l + size_t(j) * g.ldb] : g.b[j + size_t(l) * g.ldb];
			const float* col = &a[size_t(l) * g.m];
			for (int i = 0; i < g.m; i++) acc[i] += col[i] * b;
		}
		float* c = &g.c[size_t(j) * g.ldc];
		for (int i = 0; i < g.m; i++) c[i] = g.beta == 0.0f ? g.alpha * acc[i] : g.alpha * acc[i] + g.beta * c[i];
	}
}

// extent is the bytes a column-major matrix of rows × cols with leading dimension ld spans.
size_t extent(int rows, int cols, int ld) {
	if (rows == 0 || cols == 0) return 0;
	return (size_t(cols - 1) * ld + rows) * sizeof(float);
}

Status fail(const char* what) {
	fprintf(stderr, "gogan cuBLAS emulator: cublasSgemm_v2: %s\n", what);
	return kInvalidValue;
}

}  // namespace

#define EXPORT extern "C" __attribute__((visibility("default")))

EXPORT int cublasCreate_v2(Handle** h) {
	if (h == nullptr) return kInvalidValue;
	*h = new Handle;
	return kSuccess;
}

EXPORT int cublasDestroy_v2(Handle* h) {
	if (h == nullptr) return kNotInitialized;
	delete h;
	return kSuccess;
}

EXPORT int cublasSetStream_v2(Handle* h, CUstream s) {
	if (h == nullptr) return kNotInitialized;
	h->stream = s;
	return kSuccess;
}

EXPORT int cublasGetVersion_v2(Handle* h, int* v) {
	if (h == nullptr) return kNotInitialized;
	*v = 130000;  // 13.0.0, the soname's major version
	return kSuccess;
}

EXPORT int cublasGetProperty(int type, int* v) {
	static const int version[] = {13, 0, 0};  // MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL
	if (type < 0 || type > 2) return kInvalidValue;
	*v = version[type];
	return kSuccess;
}

EXPORT int cublasSetMathMode(Handle* h, int mode) {
	if (h == nullptr) return kNotInitialized;
	h->math_mode = mode;
	return kSuccess;
}

EXPORT int cublasSetWorkspace_v2(Handle* h, void* ws, size_t bytes) {
	if (h == nullptr) return kNotInitialized;
	if (bytes > 0 && !gogan_emu_check_range("cublasSetWorkspace_v2", "workspace", CUdeviceptr(ws), bytes))
		return kInvalidValue;
	return kSuccess;
}

EXPORT int cublasSgemm_v2(Handle* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* a,
                          int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
	if (h == nullptr) return kNotInitialized;
	if (transa < kN || transa > kC || transb < kN || transb > kC) return fail("transpose operation is not N, T or C");
	if (m < 0 || n < 0 || k < 0) return fail("negative dimension");
	int arows = transa == kN ? m : k, brows = transb == kN ? k : n;
	if (lda < (arows > 1 ? arows : 1) || ldb < (brows > 1 ? brows : 1) || ldc < (m > 1 ? m : 1))
		return fail("leading dimension smaller than the rows of its matrix");
	if (m == 0 || n == 0) return kSuccess;
	Gemm g{transa, transb, m, n, k, *alpha, *beta, a, b, c, lda, ldb, ldc};
	int acols = transa == kN ? k : m, bcols = transb == kN ? n : k;
	if ((k > 0 && (!gogan_emu_check_range("cublasSgemm_v2", "A", CUdeviceptr(a), extent(arows, acols, lda)) ||
	               !gogan_emu_check_range("cublasSgemm_v2", "B", CUdeviceptr(b), extent(brows, bcols, ldb)))) ||
	    !gogan_emu_check_range("cublasSgemm_v2", "C", CUdeviceptr(c), extent(m, n, ldc)))
		return kInvalidValue;
	return gogan_emu_stream_call(h->stream, gemm, &g, sizeof g) == CUDA_SUCCESS ? kSuccess : kExecutionFailed;
}
