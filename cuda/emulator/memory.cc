// Device memory: every allocation is a host allocation of its own, kept in a table, so that
// each copy and set is checked against it (inside one live allocation, host memory on the
// host side), and so that AddressSanitizer, where the emulator is built with it, sees a
// kernel's access beyond an allocation.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>

#include "emu.h"

namespace gogan_emu {

namespace {

std::map<uintptr_t, size_t> allocs;  // base → size of the live allocations
size_t in_use = 0;
std::map<uintptr_t, size_t> pinned;  // base → size of the live page-locked host allocations
unsigned long long host_waits = 0;

// Fresh device memory holds garbage on a GPU; here it holds NaNs (all bits set), so that a
// read of memory nothing wrote shows up in results. Larger allocations, which tests make to
// fill the device, are left untouched to keep them cheap.
constexpr size_t kPoisonLimit = 256 << 20;

// Without AddressSanitizer, each allocation is followed by a canary that every kernel launch
// checks afterwards, so that a kernel writing just past the end of a buffer is named. With
// it, the sanitizer's own red zones catch reads and writes alike.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kCanary = 0;
#else
constexpr size_t kCanary = 256;
#endif
constexpr unsigned char kCanaryByte = 0xa5;

// find returns the live allocation holding p, or allocs.end().
std::map<uintptr_t, size_t>::iterator find(uintptr_t p) {
	auto it = allocs.upper_bound(p);
	if (it == allocs.begin()) return allocs.end();
	--it;
	return p < it->first + it->second ? it : allocs.end();
}

}  // namespace

bool is_pinned(uintptr_t p, size_t bytes) {
	auto it = pinned.upper_bound(p);
	if (it == pinned.begin()) return false;
	--it;
	return p >= it->first && bytes <= it->first + it->second - p;
}

void host_wait(const char* call) {
	host_waits++;
	static const bool trace = getenv("GOGAN_EMU_TRACE_WAITS") != nullptr;
	if (trace) fprintf(stderr, "gogan emulator: host wait %llu: %s\n", host_waits, call);
}

bool is_device(const void* p) { return find(reinterpret_cast<uintptr_t>(p)) != allocs.end(); }

bool check_range(const char* call, const char* what, CUdeviceptr p, size_t bytes) {
	auto it = find(p);
	if (it == allocs.end()) {
		report(CUDA_ERROR_INVALID_VALUE, "%s: %s %#llx is not in any live device allocation (freed, or never allocated)",
		       call, what, (unsigned long long)p);
		return false;
	}
	if (bytes > it->first + it->second - p) {
		report(CUDA_ERROR_INVALID_VALUE,
		       "%s: %s %#llx + %zu bytes runs %zu bytes past the end of its allocation (%#llx, %zu bytes)", call, what,
		       (unsigned long long)p, bytes, size_t(p + bytes - (it->first + it->second)),
		       (unsigned long long)it->first, it->second);
		return false;
	}
	return true;
}

bool check_canaries(const char* kernel) {
	bool ok = true;
	for (auto& [base, size] : allocs) {
		auto* c = reinterpret_cast<unsigned char*>(base + size);
		for (size_t i = 0; i < kCanary; i++) {
			if (c[i] == kCanaryByte) continue;
			report(CUDA_ERROR_ILLEGAL_ADDRESS, "kernel %s wrote past the end of the allocation %#llx (%zu bytes), at byte %zu",
			       kernel, (unsigned long long)base, size, size + i);
			memset(c, kCanaryByte, kCanary);
			ok = false;
			break;
		}
	}
	return ok;
}

// check_host refuses a device address where the call wants host memory.
static bool check_host(const char* call, const char* what, const void* p) {
	if (p == nullptr) {
		report(CUDA_ERROR_INVALID_VALUE, "%s: %s is null", call, what);
		return false;
	}
	if (is_device(p)) {
		report(CUDA_ERROR_INVALID_VALUE, "%s: %s %p is device memory: wrong copy direction", call, what, p);
		return false;
	}
	return true;
}

}  // namespace gogan_emu

using namespace gogan_emu;

// gogan_emu_check_range is check_range for the emulated cuBLAS, which checks its matrices.
// gogan_emu_host_waits is the number of calls so far that made the host wait (see host_wait).
extern "C" unsigned long long gogan_emu_host_waits(void) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	return host_waits;
}

// Page-locked host memory is ordinary host memory here; the table only tells the Async copies
// that need not wait (from or to it) from those that do (pageable memory).
CUresult cuMemHostAlloc(void** pp, size_t bytes, unsigned flags) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (pp == nullptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
	if (capture_blocks("cuMemHostAlloc")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	void* p = nullptr;
	if (posix_memalign(&p, 4096, bytes) != 0) return CUDA_ERROR_OUT_OF_MEMORY;
	pinned[reinterpret_cast<uintptr_t>(p)] = bytes;
	*pp = p;
	return CUDA_SUCCESS;
}

CUresult cuMemAllocHost(void** pp, size_t bytes) { return cuMemHostAlloc(pp, bytes, 0); }

CUresult cuMemFreeHost(void* p) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (!pinned.erase(reinterpret_cast<uintptr_t>(p)))
		return report(CUDA_ERROR_INVALID_VALUE, "cuMemFreeHost: %p is not the start of a live page-locked allocation", p);
	free(p);
	return CUDA_SUCCESS;
}

extern "C" int gogan_emu_check_range(const char* call, const char* what, CUdeviceptr p, size_t bytes) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	return check_range(call, what, p, bytes);
}

CUresult cuMemAlloc(CUdeviceptr* dptr, size_t bytes) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (dptr == nullptr || bytes == 0) return CUDA_ERROR_INVALID_VALUE;
	if (capture_blocks("cuMemAlloc")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	if (bytes > kTotalMemory - in_use) return CUDA_ERROR_OUT_OF_MEMORY;
	void* p = nullptr;
	if (posix_memalign(&p, 256, bytes + kCanary) != 0) return CUDA_ERROR_OUT_OF_MEMORY;
	if (bytes <= kPoisonLimit) memset(p, 0xff, bytes);
	memset(static_cast<char*>(p) + bytes, kCanaryByte, kCanary);
	allocs[reinterpret_cast<uintptr_t>(p)] = bytes;
	in_use += bytes;
	*dptr = reinterpret_cast<CUdeviceptr>(p);
	return CUDA_SUCCESS;
}

CUresult cuMemFree(CUdeviceptr p) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	auto it = allocs.find(p);
	if (it == allocs.end())
		return report(CUDA_ERROR_INVALID_VALUE, "cuMemFree: %#llx is not the start of a live allocation",
		              (unsigned long long)p);
	in_use -= it->second;
	allocs.erase(it);
	free(reinterpret_cast<void*>(p));
	return CUDA_SUCCESS;
}

CUresult cuMemGetInfo(size_t* free_bytes, size_t* total) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (free_bytes) *free_bytes = kTotalMemory - in_use;
	if (total) *total = kTotalMemory;
	return CUDA_SUCCESS;
}

CUresult cuMemGetAddressRange(CUdeviceptr* base, size_t* size, CUdeviceptr p) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	auto it = find(p);
	if (it == allocs.end()) return CUDA_ERROR_NOT_FOUND;
	if (base) *base = it->first;
	if (size) *size = it->second;
	return CUDA_SUCCESS;
}

// copy checks a copy of each direction and queues it.
static CUresult copy(const char* call, CUstream s, uintptr_t dst, uintptr_t src, size_t bytes, bool dst_dev,
                     bool src_dev) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (bytes == 0) return CUDA_SUCCESS;
	if (dst_dev ? !check_range(call, "destination", dst, bytes)
	            : !check_host(call, "host destination", reinterpret_cast<void*>(dst)))
		return CUDA_ERROR_INVALID_VALUE;
	if (src_dev ? !check_range(call, "source", src, bytes)
	            : !check_host(call, "host source", reinterpret_cast<void*>(src)))
		return CUDA_ERROR_INVALID_VALUE;
	if (dst_dev && src_dev && dst < src + bytes && src < dst + bytes)
		return report(CUDA_ERROR_INVALID_VALUE, "%s: source %#llx and destination %#llx overlap (%zu bytes)", call,
		              (unsigned long long)src, (unsigned long long)dst, bytes);
	// Only an Async copy between device memory and page-locked host memory leaves the host
	// free: the others return once the copy is done (or, from pageable memory, staged).
	bool async = strstr(call, "Async") != nullptr;
	if (!async || (!dst_dev && !is_pinned(dst, bytes)) || (!src_dev && !is_pinned(src, bytes))) {
		if (!(dst_dev && src_dev)) host_wait(call);
	}
	Op op(Op::kCopy);
	op.dst = dst;
	op.src = src;
	op.bytes = bytes;
	op.call = call;
	return submit(s, std::move(op));
}

static uintptr_t addr(const void* p) { return reinterpret_cast<uintptr_t>(p); }

CUresult cuMemcpyHtoD(CUdeviceptr dst, const void* src, size_t n) {
	return copy("cuMemcpyHtoD", nullptr, dst, addr(src), n, true, false);
}
CUresult cuMemcpyDtoH(void* dst, CUdeviceptr src, size_t n) {
	return copy("cuMemcpyDtoH", nullptr, addr(dst), src, n, false, true);
}
CUresult cuMemcpyDtoD(CUdeviceptr dst, CUdeviceptr src, size_t n) {
	return copy("cuMemcpyDtoD", nullptr, dst, src, n, true, true);
}
CUresult cuMemcpyHtoDAsync(CUdeviceptr dst, const void* src, size_t n, CUstream s) {
	return copy("cuMemcpyHtoDAsync", s, dst, addr(src), n, true, false);
}
CUresult cuMemcpyDtoHAsync(void* dst, CUdeviceptr src, size_t n, CUstream s) {
	return copy("cuMemcpyDtoHAsync", s, addr(dst), src, n, false, true);
}
CUresult cuMemcpyDtoDAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) {
	return copy("cuMemcpyDtoDAsync", s, dst, src, n, true, true);
}
// The unified-addressing copies tell the direction from the allocation table.
CUresult cuMemcpy(CUdeviceptr dst, CUdeviceptr src, size_t n) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	return copy("cuMemcpy", nullptr, dst, src, n, is_device((void*)dst), is_device((void*)src));
}
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	return copy("cuMemcpyAsync", s, dst, src, n, is_device((void*)dst), is_device((void*)src));
}

static CUresult set(const char* call, CUstream s, CUdeviceptr dst, unsigned value, unsigned elem, size_t count) {
	std::lock_guard<std::recursive_mutex> lock(mu);
	if (count == 0) return CUDA_SUCCESS;
	if (dst % elem != 0)
		return report(CUDA_ERROR_INVALID_VALUE, "%s: %#llx is not aligned to %u bytes", call, (unsigned long long)dst, elem);
	if (!check_range(call, "destination", dst, count * elem)) return CUDA_ERROR_INVALID_VALUE;
	Op op(Op::kSet);
	op.dst = dst;
	op.value = value;
	op.elem = elem;
	op.count = count;
	op.call = call;
	return submit(s, std::move(op));
}

CUresult cuMemsetD8(CUdeviceptr d, unsigned char v, size_t n) { return set("cuMemsetD8", nullptr, d, v, 1, n); }
CUresult cuMemsetD16(CUdeviceptr d, unsigned short v, size_t n) { return set("cuMemsetD16", nullptr, d, v, 2, n); }
CUresult cuMemsetD32(CUdeviceptr d, unsigned int v, size_t n) { return set("cuMemsetD32", nullptr, d, v, 4, n); }
CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream s) {
	return set("cuMemsetD8Async", s, d, v, 1, n);
}
CUresult cuMemsetD16Async(CUdeviceptr d, unsigned short v, size_t n, CUstream s) {
	return set("cuMemsetD16Async", s, d, v, 2, n);
}
CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream s) {
	return set("cuMemsetD32Async", s, d, v, 4, n);
}

namespace gogan_emu {

// do_copy and do_set run recorded copies and sets, checking the ranges again: a graph may be
// replayed after a buffer it uses was freed.
CUresult do_copy(const Op& op) {
	bool dst_dev = is_device((void*)op.dst), src_dev = is_device((void*)op.src);
	if ((dst_dev && !check_range(op.call, "destination", op.dst, op.bytes)) ||
	    (src_dev && !check_range(op.call, "source", op.src, op.bytes)))
		return CUDA_ERROR_INVALID_VALUE;
	memcpy(reinterpret_cast<void*>(op.dst), reinterpret_cast<const void*>(op.src), op.bytes);
	return CUDA_SUCCESS;
}

CUresult do_set(const Op& op) {
	if (!check_range(op.call, "destination", op.dst, op.count * op.elem)) return CUDA_ERROR_INVALID_VALUE;
	auto* p = reinterpret_cast<unsigned char*>(op.dst);
	for (size_t i = 0; i < op.count; i++) {
		switch (op.elem) {
		case 1: p[i] = (unsigned char)op.value; break;
		case 2: reinterpret_cast<uint16_t*>(p)[i] = (uint16_t)op.value; break;
		default: reinterpret_cast<uint32_t*>(p)[i] = op.value; break;
		}
	}
	return CUDA_SUCCESS;
}

}  // namespace gogan_emu
