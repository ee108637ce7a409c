// The emulated CUDA driver (libcuda.so.1): error names, modules and kernel launches (the
// device and its contexts are in device.cc). A module's PTX is not compiled: its entries are
// looked up by name in the table of host-compiled kernels, and an entry missing there fails
// the load, as a PTX the JIT cannot compile would.
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>

#include "emu.h"

namespace gogan_emu {

std::recursive_mutex mu;

CUresult report(CUresult code, const char* fmt, ...) {
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "gogan CUDA emulator: %s\n", msg);
	return code;
}

namespace {

// kernels lists the registered kernels by name. The tables register themselves from static
// constructors, which may run before this file's, hence the function-local map.
std::map<std::string, const gogan_emu_kernel*>& kernels() {
	static std::map<std::string, const gogan_emu_kernel*> by_name;
	return by_name;
}

struct Function {
	const gogan_emu_kernel* kernel;
	int static_shared;  // bytes of the entry's static shared memory, from the PTX
};

struct Module {
	std::map<std::string, Function> functions;
};

std::set<Module*> modules;
std::set<const Function*> functions;

struct ErrorName {
	CUresult code;
	const char *name, *text;
};

#define E(code, text) {code, #code, text}
const ErrorName error_names[] = {
    E(CUDA_SUCCESS, "no error"),
    E(CUDA_ERROR_INVALID_VALUE, "invalid argument"),
    E(CUDA_ERROR_OUT_OF_MEMORY, "out of memory"),
    E(CUDA_ERROR_NOT_INITIALIZED, "initialization error"),
    E(CUDA_ERROR_DEINITIALIZED, "driver shutting down"),
    E(CUDA_ERROR_NO_DEVICE, "no CUDA-capable device is detected"),
    E(CUDA_ERROR_INVALID_DEVICE, "invalid device ordinal"),
    E(CUDA_ERROR_INVALID_IMAGE, "device kernel image is invalid"),
    E(CUDA_ERROR_INVALID_CONTEXT, "invalid device context"),
    E(CUDA_ERROR_INVALID_PTX, "a PTX JIT compilation failed"),
    E(CUDA_ERROR_NO_BINARY_FOR_GPU, "no kernel image is available for execution on the device"),
    E(CUDA_ERROR_INVALID_HANDLE, "invalid resource handle"),
    E(CUDA_ERROR_NOT_FOUND, "named symbol not found"),
    E(CUDA_ERROR_NOT_READY, "device not ready"),
    E(CUDA_ERROR_ILLEGAL_ADDRESS, "an illegal memory access was encountered"),
    E(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "too many resources requested for launch"),
    E(CUDA_ERROR_LAUNCH_FAILED, "unspecified launch failure"),
    E(CUDA_ERROR_ILLEGAL_STATE, "the operation is not permitted in the current state"),
    E(CUDA_ERROR_NOT_SUPPORTED, "operation not supported"),
    E(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "operation not permitted when stream is capturing"),
    E(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED, "operation failed due to a previous error during capture"),
    E(CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD, "attempt to terminate a thread-local capture sequence from another thread"),
    E(CUDA_ERROR_STREAM_CAPTURE_IMPLICIT,
      "operation would make the legacy stream depend on a capturing blocking stream"),
    E(CUDA_ERROR_UNKNOWN, "unknown error"),
};
#undef E

// entries lists a PTX module's entry names with the static shared memory each uses: the
// module-scope .shared variables its body names.
std::map<std::string, int> entries(const std::string& ptx) {
	std::map<std::string, int> shared_vars;
	size_t pos = 0;
	while ((pos = ptx.find("\n.shared ", pos)) != std::string::npos) {
		size_t end = ptx.find(';', pos);
		std::string decl = ptx.substr(pos + 1, end - pos - 1);
		size_t lb = decl.rfind('['), sp = decl.rfind(' ', lb);
		if (lb != std::string::npos && sp != std::string::npos)
			shared_vars[decl.substr(sp + 1, lb - sp - 1)] = atoi(decl.c_str() + lb + 1);
		pos = end;
	}
	std::map<std::string, int> out;
	const std::string mark = ".entry ";
	pos = 0;
	while ((pos = ptx.find(mark, pos)) != std::string::npos) {
		size_t name_at = pos + mark.size(), paren = ptx.find('(', name_at);
		if (paren == std::string::npos) break;
		std::string name = ptx.substr(name_at, paren - name_at);
		size_t next = ptx.find(mark, paren);
		std::string body = ptx.substr(paren, next == std::string::npos ? std::string::npos : next - paren);
		int shared = 0;
		for (auto& [var, bytes] : shared_vars)
			if (body.find(var) != std::string::npos) shared += bytes;
		out[name] = shared;
		pos = paren;
	}
	return out;
}

// log writes text into a JIT log buffer given with cuModuleLoadDataEx, if there is one.
void log(CUjit_option buf_opt, CUjit_option size_opt, unsigned n, CUjit_option* opts, void** vals,
         const std::string& text) {
	char* buf = nullptr;
	int size_at = -1;
	for (unsigned i = 0; i < n; i++) {
		if (opts[i] == buf_opt) buf = static_cast<char*>(vals[i]);
		if (opts[i] == size_opt) size_at = int(i);
	}
	if (buf == nullptr || size_at < 0) return;
	size_t cap = reinterpret_cast<uintptr_t>(vals[size_at]);
	if (cap == 0) return;
	size_t len = std::min(cap - 1, text.size());
	memcpy(buf, text.data(), len);
	buf[len] = 0;
	vals[size_at] = reinterpret_cast<void*>(uintptr_t(len + 1));
}

}  // namespace

// do_kernel runs a launch, after checking that each pointer argument is null or device
// memory: a host pointer or a freed buffer passed to a kernel is caught here.
CUresult do_kernel(const Op& op) {
	const gogan_emu_kernel* k = op.kernel;
	std::vector<void*> params(op.args.size());
	for (size_t i = 0; i < op.args.size(); i++) {
		params[i] = const_cast<uint64_t*>(&op.args[i]);
		if (k->params[i].kind != GOGAN_EMU_POINTER || op.args[i] == 0) continue;
		if (!is_device(reinterpret_cast<void*>(op.args[i])))
			return report(CUDA_ERROR_ILLEGAL_ADDRESS, "kernel %s: argument %s (%s) = %#llx is not in any live device allocation",
			              k->name, k->params[i].name, k->params[i].type, (unsigned long long)op.args[i]);
	}
	std::string err;
	bool ran = run_launch(k, op.grid, op.block, params.data(), &err);
	// The canaries are checked even after a failed launch, whose threads may have written
	// before it stopped, so that the damage is put down to this kernel and not the next.
	bool intact = check_canaries(k->name);
	if (!ran) return report(CUDA_ERROR_LAUNCH_FAILED, "%s", err.c_str());
	return intact ? CUDA_SUCCESS : CUDA_ERROR_ILLEGAL_ADDRESS;
}

}  // namespace gogan_emu

using namespace gogan_emu;

#define LOCK std::lock_guard<std::recursive_mutex> lock(mu)

// gogan_emu_register runs while the library loads, before any other thread can call in.
extern "C" void gogan_emu_register(const gogan_emu_kernel* table) {
	for (; table->name != nullptr; table++) kernels()[table->name] = table;
}

CUresult cuGetErrorName(CUresult code, const char** s) {
	for (const auto& e : error_names)
		if (e.code == code) {
			*s = e.name;
			return CUDA_SUCCESS;
		}
	*s = nullptr;
	return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuGetErrorString(CUresult code, const char** s) {
	for (const auto& e : error_names)
		if (e.code == code) {
			*s = e.text;
			return CUDA_SUCCESS;
		}
	*s = nullptr;
	return CUDA_ERROR_INVALID_VALUE;
}

CUresult cuModuleLoadDataEx(CUmodule* out, const void* image, unsigned n, CUjit_option* opts, void** vals) {
	LOCK;
	if (out == nullptr || image == nullptr) return CUDA_ERROR_INVALID_VALUE;
	if (!has_context()) return CUDA_ERROR_INVALID_CONTEXT;
	// Machine code (a cubin, an ELF file) is for a real GPU: answered as a driver answers SASS
	// for another GPU, without a message, so that gogan's loader takes the PTX instead.
	if (memcmp(image, "\x7f" "ELF", 4) == 0) return CUDA_ERROR_NO_BINARY_FOR_GPU;
	std::string ptx(static_cast<const char*>(image));
	if (ptx.find(".version") == std::string::npos || ptx.find(".target") == std::string::npos)
		return report(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: the image is not PTX text (only PTX is emulated)");
	auto* m = new Module;
	for (auto& [name, shared] : entries(ptx)) {
		auto it = kernels().find(name);
		if (it == kernels().end()) {
			std::string msg = "ptxas fatal: entry " + name +
			                  " has no host-compiled twin in the emulator: rebuild it (make test-cuda-emu)";
			log(CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, n, opts, vals, msg);
			delete m;
			return report(CUDA_ERROR_INVALID_PTX, "cuModuleLoadData: %s", msg.c_str());
		}
		m->functions[name] = Function{it->second, shared};
	}
	for (auto& [name, fn] : m->functions) functions.insert(&fn);
	log(CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, n, opts, vals,
	    "gogan CUDA emulator: PTX not compiled; its entries run as host-compiled kernels");
	modules.insert(m);
	*out = reinterpret_cast<CUmodule>(m);
	return CUDA_SUCCESS;
}

CUresult cuModuleLoadData(CUmodule* out, const void* image) { return cuModuleLoadDataEx(out, image, 0, nullptr, nullptr); }

CUresult cuModuleUnload(CUmodule mod) {
	LOCK;
	auto* m = reinterpret_cast<Module*>(mod);
	if (!modules.erase(m)) return CUDA_ERROR_INVALID_HANDLE;
	for (auto& [name, fn] : m->functions) functions.erase(&fn);
	delete m;
	return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* out, CUmodule mod, const char* name) {
	LOCK;
	auto* m = reinterpret_cast<Module*>(mod);
	if (!modules.count(m)) return CUDA_ERROR_INVALID_HANDLE;
	auto it = m->functions.find(name);
	if (it == m->functions.end()) return CUDA_ERROR_NOT_FOUND;
	*out = reinterpret_cast<CUfunction>(&it->second);
	return CUDA_SUCCESS;
}

CUresult cuFuncGetAttribute(int* v, CUfunction_attribute attr, CUfunction f) {
	LOCK;
	auto* fn = reinterpret_cast<const Function*>(f);
	if (!functions.count(fn)) return CUDA_ERROR_INVALID_HANDLE;
	switch (attr) {
	case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = kMaxThreadsPerBlock; break;
	case CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES: *v = fn->static_shared; break;
	case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: *v = kMaxSharedPerBlock - fn->static_shared; break;
	case CU_FUNC_ATTRIBUTE_NUM_REGS: *v = 32; break;
	case CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES:
	case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: *v = 0; break;
	case CU_FUNC_ATTRIBUTE_PTX_VERSION:
	case CU_FUNC_ATTRIBUTE_BINARY_VERSION: *v = 90; break;
	default: return report(CUDA_ERROR_NOT_SUPPORTED, "cuFuncGetAttribute: attribute %d is not emulated", int(attr));
	}
	return CUDA_SUCCESS;
}

CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int* n, CUfunction, int block, size_t) {
	*n = block > 0 ? std::max(1, 2048 / block) : 0;
	return CUDA_SUCCESS;
}

// cuLaunchKernel refuses what a GPU refuses, with the same codes: block and grid limits, and
// shared memory beyond 48 KiB per block.
CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, CUstream s, void** params, void** extra) {
	LOCK;
	auto* fn = reinterpret_cast<const Function*>(f);
	if (!functions.count(fn)) return report(CUDA_ERROR_INVALID_HANDLE, "cuLaunchKernel: %p is not a loaded function", (void*)f);
	const gogan_emu_kernel* k = fn->kernel;
	if (!has_context()) return CUDA_ERROR_INVALID_CONTEXT;
	if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0)
		return report(CUDA_ERROR_INVALID_VALUE, "kernel %s: launch with an empty grid (%u,%u,%u) or block (%u,%u,%u)",
		              k->name, gx, gy, gz, bx, by, bz);
	if (bx > unsigned(kMaxThreadsPerBlock) || by > unsigned(kMaxThreadsPerBlock) || bz > unsigned(kMaxBlockDimZ) ||
	    uint64_t(bx) * by * bz > uint64_t(kMaxThreadsPerBlock))
		return report(CUDA_ERROR_INVALID_VALUE, "kernel %s: block (%u,%u,%u) exceeds the limits (%d threads, z at most %d)",
		              k->name, bx, by, bz, kMaxThreadsPerBlock, kMaxBlockDimZ);
	if (gx > unsigned(kMaxGridX) || gy > unsigned(kMaxGridYZ) || gz > unsigned(kMaxGridYZ))
		return report(CUDA_ERROR_INVALID_VALUE, "kernel %s: grid (%u,%u,%u) exceeds the device's limits", k->name, gx, gy, gz);
	if (shared + unsigned(fn->static_shared) > unsigned(kMaxSharedPerBlock))
		return report(CUDA_ERROR_INVALID_VALUE, "kernel %s: %u bytes of dynamic and %d of static shared memory exceed %d",
		              k->name, shared, fn->static_shared, kMaxSharedPerBlock);
	if (shared != 0)
		return report(CUDA_ERROR_NOT_SUPPORTED, "kernel %s: dynamic shared memory is not emulated", k->name);
	if (extra != nullptr) return report(CUDA_ERROR_NOT_SUPPORTED, "kernel %s: the extra argument is not emulated", k->name);
	if (k->nparams > 0 && params == nullptr) return CUDA_ERROR_INVALID_VALUE;
	Op op(Op::kKernel);
	op.kernel = k;
	op.grid = {gx, gy, gz};
	op.block = {bx, by, bz};
	op.call = k->name;
	// The arguments are copied now, as the driver does: the caller may reuse its buffers.
	op.args.assign(size_t(k->nparams), 0);
	for (int i = 0; i < k->nparams; i++) memcpy(&op.args[size_t(i)], params[i], k->params[i].size);
	return submit(s, std::move(op));
}
