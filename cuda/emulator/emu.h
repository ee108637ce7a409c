// Internal state of the emulated driver: devices, contexts, the allocation table, streams
// and the work they carry. Everything runs on the calling thread, under one lock: a stream's
// work is done when it is submitted, unless the stream is being captured into a graph.
#pragma once

#include <cuda.h>

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "runtime.h"

namespace gogan_emu {

// The device's limits, those of an sm_90 GPU, and a small multiprocessor count, so that the
// launchers' grids stay small and grid-stride loops run several times over small tensors.
constexpr int kMaxThreadsPerBlock = 1024;
constexpr int kMaxBlockDimZ = 64;
constexpr int kMaxGridX = 2147483647;
constexpr int kMaxGridYZ = 65535;
constexpr int kMaxSharedPerBlock = 48 << 10;
constexpr int kMultiprocessors = 1;
constexpr size_t kTotalMemory = size_t(2) << 30;
#if defined(__SANITIZE_ADDRESS__)
constexpr const char* kDeviceName = "gogan CUDA emulator (emulated GPU on the CPU, not a real device; AddressSanitizer)";
#else
constexpr const char* kDeviceName = "gogan CUDA emulator (emulated GPU on the CPU, not a real device)";
#endif

extern std::recursive_mutex mu;

// report writes one line about a misuse to stderr, where tests and users see it, and
// returns code.
CUresult report(CUresult code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

// has_context says whether the calling thread has a current context (device.cc).
bool has_context();

// Memory (memory.cc).
// check_range says whether [p, p+bytes) lies inside one live allocation; when not, it
// reports what is wrong, naming the call.
bool check_range(const char* call, const char* what, CUdeviceptr p, size_t bytes);
// check_canaries says whether every allocation's canary is intact after kernel ran, reporting
// and restoring those that are not.
bool check_canaries(const char* kernel);
// is_device says whether p is inside a live allocation.
bool is_device(const void* p);

// An operation on a stream, done at once or recorded into a graph.
struct Op {
	enum Kind { kKernel, kCopy, kSet, kHost } kind;
	explicit Op(Kind k) : kind(k) {}
	// kKernel
	const gogan_emu_kernel* kernel = nullptr;
	dim3 grid{}, block{};
	std::vector<uint64_t> args;  // one 8-byte slot per parameter
	// kCopy: bytes from src to dst; kSet: count elements of elem bytes set to value
	uintptr_t dst = 0, src = 0;
	size_t bytes = 0, count = 0;
	unsigned elem = 0, value = 0;
	const char* call = "";
	// kHost
	void (*fn)(void*) = nullptr;
	std::vector<char> data;  // the argument, copied, or empty for fn's own user data
	void* user = nullptr;
};

// run_op does op now; submit does it now or records it when stream is being captured.
CUresult run_op(Op& op);
CUresult submit(CUstream stream, Op op);
// capture_blocks reports whether a call that waits for or allocates on the device must fail
// because this thread is capturing, and invalidates that capture.
bool capture_blocks(const char* call);

// host_wait counts a call that makes the host wait for the device: a stream, context or event
// synchronisation, a copy without Async, or an Async copy from or to pageable host memory,
// which the driver runs synchronously. gogan_emu_host_waits reads the count, so that a test
// can show that a training step queues its work without waiting; GOGAN_EMU_TRACE_WAITS=1
// names each on stderr.
void host_wait(const char* call);

// is_pinned says whether [p, p+bytes) lies in page-locked host memory from cuMemHostAlloc.
bool is_pinned(uintptr_t p, size_t bytes);

}  // namespace gogan_emu
