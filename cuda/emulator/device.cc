// The one emulated device and its contexts: an sm_90-like GPU with the limits of emu.h, whose
// name says that it is emulated. Contexts are bookkeeping: there is one address space.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#include "emu.h"

namespace gogan_emu {
namespace {

struct Context {
	unsigned flags = 0;
};
Context primary;
int primary_refs = 0;
std::set<Context*> contexts = {&primary};
thread_local Context* current = nullptr;
bool initialised = false;

bool ready() { return initialised; }

}  // namespace

bool has_context() { return current != nullptr; }

}  // namespace gogan_emu

using namespace gogan_emu;

#define LOCK std::lock_guard<std::recursive_mutex> lock(mu)

// GOGAN_EMU_NO_DEVICE=1 makes cuInit answer as NVIDIA's driver does on a machine without a
// GPU, and GOGAN_EMU_DRIVER_VERSION=N makes the driver report CUDA version N: the tests of a
// cuda build on a machine where no GPU is usable.
CUresult cuInit(unsigned flags) {
	LOCK;
	if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
	const char* none = getenv("GOGAN_EMU_NO_DEVICE");
	if (none != nullptr && strcmp(none, "1") == 0) return CUDA_ERROR_NO_DEVICE;
	initialised = true;
	return CUDA_SUCCESS;
}

CUresult cuDriverGetVersion(int* v) {
	if (v == nullptr) return CUDA_ERROR_INVALID_VALUE;
	const char* version = getenv("GOGAN_EMU_DRIVER_VERSION");
	*v = version != nullptr ? atoi(version) : CUDA_VERSION;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* n) {
	if (!ready()) return CUDA_ERROR_NOT_INITIALIZED;
	*n = 1;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* d, int ordinal) {
	if (!ready()) return CUDA_ERROR_NOT_INITIALIZED;
	if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
	*d = 0;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int len, CUdevice d) {
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (name == nullptr || len <= 0) return CUDA_ERROR_INVALID_VALUE;
	snprintf(name, size_t(len), "%s", kDeviceName);
	return CUDA_SUCCESS;
}

CUresult cuDeviceTotalMem(size_t* bytes, CUdevice d) {
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	*bytes = kTotalMemory;
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice d) {
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	memcpy(uuid->bytes, "gogan-emulator-0", 16);
	return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* v, CUdevice_attribute attr, CUdevice d) {
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	switch (attr) {
	case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = kMaxThreadsPerBlock; break;
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *v = kMaxThreadsPerBlock; break;
	case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *v = kMaxBlockDimZ; break;
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *v = kMaxGridX; break;
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:
	case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *v = kMaxGridYZ; break;
	case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *v = kMaxSharedPerBlock; break;
	case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
	case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = kMultiprocessors; break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
	case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
	case CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK: *v = 65536; break;
	case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *v = 2048; break;
	case CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING: *v = 1; break;
	case CU_DEVICE_ATTRIBUTE_CONCURRENT_KERNELS: *v = 0; break;
	case CU_DEVICE_ATTRIBUTE_INTEGRATED: *v = 0; break;
	default: return report(CUDA_ERROR_NOT_SUPPORTED, "cuDeviceGetAttribute: attribute %d is not emulated", int(attr));
	}
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice d) {
	LOCK;
	if (!ready()) return CUDA_ERROR_NOT_INITIALIZED;
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	primary_refs++;
	*ctx = reinterpret_cast<CUcontext>(&primary);
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease(CUdevice d) {
	LOCK;
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	if (primary_refs == 0) return CUDA_ERROR_INVALID_CONTEXT;
	primary_refs--;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxGetState(CUdevice d, unsigned* flags, int* active) {
	LOCK;
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	*flags = primary.flags;
	*active = primary_refs > 0;
	return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxSetFlags(CUdevice d, unsigned flags) {
	LOCK;
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	primary.flags = flags;
	return CUDA_SUCCESS;
}

CUresult cuCtxCreate(CUcontext* ctx, unsigned flags, CUdevice d) {
	LOCK;
	if (!ready()) return CUDA_ERROR_NOT_INITIALIZED;
	if (d != 0) return CUDA_ERROR_INVALID_DEVICE;
	auto* c = new Context;
	c->flags = flags;
	contexts.insert(c);
	current = c;
	*ctx = reinterpret_cast<CUcontext>(c);
	return CUDA_SUCCESS;
}

CUresult cuCtxDestroy(CUcontext ctx) {
	LOCK;
	auto* c = reinterpret_cast<Context*>(ctx);
	if (c == &primary || !contexts.erase(c)) return CUDA_ERROR_INVALID_CONTEXT;
	if (current == c) current = nullptr;
	delete c;
	return CUDA_SUCCESS;
}

CUresult cuCtxSetCurrent(CUcontext ctx) {
	LOCK;
	auto* c = reinterpret_cast<Context*>(ctx);
	if (c != nullptr && !contexts.count(c)) return CUDA_ERROR_INVALID_CONTEXT;
	current = c;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetCurrent(CUcontext* ctx) {
	*ctx = reinterpret_cast<CUcontext>(current);
	return CUDA_SUCCESS;
}

CUresult cuCtxPushCurrent(CUcontext ctx) { return cuCtxSetCurrent(ctx); }

CUresult cuCtxPopCurrent(CUcontext* ctx) {
	if (ctx) *ctx = reinterpret_cast<CUcontext>(current);
	current = nullptr;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetDevice(CUdevice* d) {
	if (current == nullptr) return CUDA_ERROR_INVALID_CONTEXT;
	*d = 0;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetApiVersion(CUcontext, unsigned* v) {
	*v = 3020;
	return CUDA_SUCCESS;
}

CUresult cuCtxGetFlags(unsigned* flags) {
	if (current == nullptr) return CUDA_ERROR_INVALID_CONTEXT;
	*flags = current->flags;
	return CUDA_SUCCESS;
}

