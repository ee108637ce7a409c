// The emulator's own tests: each planted fault of testdata/faults.cu, and each launch or
// copy a GPU refuses, must be caught, and each correct twin must pass. The program goes
// through the driver API as gogan does; it prints one line per check and exits non-zero when
// any check fails.
#include <cuda.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

int failures = 0;

void check(bool ok, const char* what) {
	printf("%s: %s\n", ok ? "ok  " : "FAIL", what);
	if (!ok) failures++;
}

#define MUST(call)                                                                  \
	do {                                                                            \
		CUresult r_ = (call);                                                       \
		if (r_ != CUDA_SUCCESS) {                                                   \
			fprintf(stderr, "%s:%d: %s = %d\n", __FILE__, __LINE__, #call, int(r_)); \
			exit(2);                                                                \
		}                                                                           \
	} while (0)

// The module's PTX only names the entries: the emulator looks them up in its table.
const char* kPTX =
    ".version 7.8\n.target sm_70\n.address_size 64\n"
    ".visible .entry channel_sums_f32(\n)\n.visible .entry channel_sums_wrong_index_f32(\n)\n"
    ".visible .entry tree_sum_f32(\n)\n.visible .entry tree_sum_missing_sync_f32(\n)\n"
    ".visible .entry warp_sum_f32(\n)\n.visible .entry fill_f32(\n)\n"
    ".visible .entry fill_out_of_bounds_f32(\n)\n.visible .entry divergent_sync_f32(\n)\n";

CUmodule mod;

CUfunction fn(const char* name) {
	CUfunction f;
	MUST(cuModuleGetFunction(&f, mod, name));
	return f;
}

CUresult launch(const char* name, unsigned grid, unsigned block, std::vector<void*> args, unsigned by = 1,
                unsigned bz = 1, unsigned gy = 1) {
	return cuLaunchKernel(fn(name), grid, gy, 1, block, by, bz, 0, nullptr, args.data(), nullptr);
}

CUdeviceptr upload(const std::vector<float>& h) {
	CUdeviceptr d;
	MUST(cuMemAlloc(&d, h.size() * sizeof(float)));
	MUST(cuMemcpyHtoD(d, h.data(), h.size() * sizeof(float)));
	return d;
}

std::vector<float> download(CUdeviceptr d, size_t n) {
	std::vector<float> h(n);
	MUST(cuMemcpyDtoH(h.data(), d, n * sizeof(float)));
	return h;
}

// channel_sums computes out[c] over x (N, C, S) with the given kernel and says whether it
// matches the host's sums.
bool channel_sums(const char* kernel) {
	int N = 3, C = 5, S = 4;
	std::vector<float> x(static_cast<size_t>(N * C * S)), want(static_cast<size_t>(C));
	for (size_t i = 0; i < x.size(); i++) x[i] = float(i % 7) - float(i % 3);
	for (int n = 0; n < N; n++)
		for (int c = 0; c < C; c++)
			for (int s = 0; s < S; s++) want[size_t(c)] += x[size_t((n * C + c) * S + s)];
	CUdeviceptr dx = upload(x), dout = upload(std::vector<float>(size_t(C)));
	// Two blocks of 2 threads: the grid-stride loop runs twice for some threads.
	MUST(launch(kernel, 2, 2, {&dout, &dx, &N, &C, &S}));
	bool same = download(dout, size_t(C)) == want;
	cuMemFree(dx);
	cuMemFree(dout);
	return same;
}

// tree_sum runs a tree reduction of 256 values and says whether it matches the exact sum.
bool tree_sum(const char* kernel) {
	std::vector<float> x(256);
	float want = 0;
	for (size_t i = 0; i < x.size(); i++) want += x[i] = float(i % 5);
	CUdeviceptr dx = upload(x), dout = upload({0});
	MUST(launch(kernel, 1, 256, {&dout, &dx}));
	bool same = download(dout, 1)[0] == want;
	cuMemFree(dx);
	cuMemFree(dout);
	return same;
}

// out_of_bounds runs fill_out_of_bounds_f32 in a child process and returns what it wrote to
// stderr, and whether the launch or the process failed.
std::string out_of_bounds(bool* failed) {
	int fds[2];
	if (pipe(fds) != 0) exit(2);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		int n = 100;
		float v = 1;
		CUdeviceptr d = upload(std::vector<float>(size_t(n)));
		CUresult r = launch("fill_out_of_bounds_f32", 1, 128, {&d, &n, &v});
		_exit(r == CUDA_SUCCESS ? 0 : 3);
	}
	close(fds[1]);
	std::string out;
	char buf[4096];
	for (ssize_t k; (k = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(k));
	close(fds[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	*failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	return out;
}

}  // namespace

int main() {
	setvbuf(stdout, nullptr, _IONBF, 0);
	CUdevice dev;
	CUcontext ctx;
	MUST(cuInit(0));
	MUST(cuDeviceGet(&dev, 0));
	MUST(cuDevicePrimaryCtxRetain(&ctx, dev));
	MUST(cuCtxSetCurrent(ctx));
	MUST(cuModuleLoadData(&mod, kPTX));

	// Wrong index: the result differs from the host's.
	check(channel_sums("channel_sums_f32"), "channel_sums_f32 matches the host");
	check(!channel_sums("channel_sums_wrong_index_f32"), "wrong index: channel_sums_wrong_index_f32 differs from the host");

	// Missing __syncthreads: with the fibers in shuffled order, a thread reads partial sums
	// before they are complete.
	int right = 0, wrong = 0;
	for (int i = 0; i < 5; i++) {
		right += tree_sum("tree_sum_f32");
		wrong += !tree_sum("tree_sum_missing_sync_f32");
	}
	check(right == 5, "tree_sum_f32 is exact in 5 of 5 launches");
	printf("      tree_sum_missing_sync_f32 was wrong in %d of 5 launches\n", wrong);
	check(wrong >= 1, "missing __syncthreads: tree_sum_missing_sync_f32 gives a wrong sum");

	std::vector<float> lanes(32);
	for (size_t i = 0; i < 32; i++) lanes[i] = float(i);
	CUdeviceptr dl = upload(lanes), ds = upload({0});
	MUST(launch("warp_sum_f32", 1, 32, {&ds, &dl}));
	check(download(ds, 1)[0] == 496, "warp_sum_f32 adds the 32 lanes with shuffles");

	// A barrier that only some threads reach.
	CUdeviceptr d64 = upload(std::vector<float>(64));
	CUresult r = launch("divergent_sync_f32", 1, 64, {&d64});
	check(r == CUDA_ERROR_LAUNCH_FAILED, "__syncthreads in divergent code fails the launch");

	// Out-of-bounds write.
	int n = 100;
	float v = 1;
	CUdeviceptr d = upload(std::vector<float>(size_t(n)));
	MUST(launch("fill_f32", 1, 128, {&d, &n, &v}));
	check(download(d, size_t(n)) == std::vector<float>(size_t(n), 1.0f), "fill_f32 fills within bounds");
	bool failed = false;
	std::string report = out_of_bounds(&failed);
	bool named = report.find("fill_out_of_bounds_f32") != std::string::npos;
	size_t at = report.rfind('\n', report.find("fill_out_of_bounds_f32"));
	at = at == std::string::npos ? 0 : at + 1;
	printf("      the out-of-bounds child said: %s\n", report.substr(at, report.find('\n', at) - at).c_str());
	check(failed && named, "out-of-bounds write: fill_out_of_bounds_f32 fails, named in the report");

	// Launches a GPU refuses.
	check(launch("fill_f32", 1, 1025, {&d, &n, &v}) == CUDA_ERROR_INVALID_VALUE, "too many threads: 1025 per block");
	check(launch("fill_f32", 1, 32, {&d, &n, &v}, 32, 2) == CUDA_ERROR_INVALID_VALUE, "too many threads: 32×32×2");
	check(launch("fill_f32", 1, 1, {&d, &n, &v}, 1, 65) == CUDA_ERROR_INVALID_VALUE, "block z above 64");
	check(launch("fill_f32", 1, 32, {&d, &n, &v}, 1, 1, 65536) == CUDA_ERROR_INVALID_VALUE, "grid y above 65535");
	check(launch("fill_f32", 0, 32, {&d, &n, &v}) == CUDA_ERROR_INVALID_VALUE, "a grid of no blocks");
	check(launch("fill_f32", 1, 1024, {&d, &n, &v}) == CUDA_SUCCESS, "1024 threads per block are allowed");
	check(launch("warp_sum_f32", 1, 48, {&ds, &d64}) == CUDA_ERROR_LAUNCH_FAILED, "a shuffle in a partial warp fails");

	// Copies checked against the allocation table.
	std::vector<float> host(200);
	check(cuMemcpyDtoH(host.data(), d, 101 * sizeof(float)) == CUDA_ERROR_INVALID_VALUE, "a copy past the end of an allocation");
	check(cuMemcpyHtoD(d, reinterpret_cast<void*>(ds), 4) == CUDA_ERROR_INVALID_VALUE, "a host-to-device copy from device memory");
	check(cuMemcpyDtoD(d, d + 8, 16) == CUDA_ERROR_INVALID_VALUE, "a device copy between overlapping ranges");
	CUdeviceptr gone = upload({1, 2});
	MUST(cuMemFree(gone));
	check(cuMemcpyDtoH(host.data(), gone, 4) == CUDA_ERROR_INVALID_VALUE, "a copy from freed memory");
	check(launch("fill_f32", 1, 32, {&gone, &n, &v}) == CUDA_ERROR_ILLEGAL_ADDRESS, "a kernel given freed memory");

	// Capture and replay.
	CUstream s;
	MUST(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
	MUST(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
	float two = 2;
	std::vector<void*> args = {&d, &n, &two};
	MUST(cuLaunchKernel(fn("fill_f32"), 1, 64, 1, 1, 1, 1, 0, s, args.data(), nullptr));
	two = 5;  // the launch took its own copy of the arguments
	CUgraph g;
	MUST(cuStreamEndCapture(s, &g));
	check(download(d, 1)[0] == 1, "a captured launch does not run");
	CUgraphExec exec;
	MUST(cuGraphInstantiateWithFlags(&exec, g, 0));
	MUST(cuGraphLaunch(exec, s));
	check(download(d, size_t(n)) == std::vector<float>(size_t(n), 2.0f), "the replayed graph fills with the captured value");
	MUST(cuStreamBeginCapture(s, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL));
	check(cuStreamSynchronize(s) == CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "waiting during a capture is refused");
	CUgraph broken;
	check(cuStreamEndCapture(s, &broken) == CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "and it invalidates the capture");

	// A PTX entry the emulator has no kernel for.
	CUmodule other;
	char log[256] = "";
	CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
	void* vals[] = {log, reinterpret_cast<void*>(uintptr_t(sizeof log))};
	r = cuModuleLoadDataEx(&other, ".version 7.8\n.target sm_70\n.visible .entry no_such_kernel(\n)\n", 2, opts, vals);
	check(r == CUDA_ERROR_INVALID_PTX && strstr(log, "no_such_kernel"), "an entry without a kernel fails the load, named in the JIT log");

	// Everything made is released, so that LeakSanitizer, in the AddressSanitizer build, finds
	// what the emulator itself leaks.
	MUST(cuGraphExecDestroy(exec));
	MUST(cuGraphDestroy(g));
	MUST(cuStreamDestroy(s));
	for (CUdeviceptr p : {d, d64, dl, ds}) MUST(cuMemFree(p));
	MUST(cuModuleUnload(mod));
	MUST(cuDevicePrimaryCtxRelease(dev));

	printf("%s: %d failures\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
