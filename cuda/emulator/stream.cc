// Streams, events, stream capture and CUDA graphs. Work submitted to a stream is done at
// once, in submission order, which is one of the orders a GPU may give; work submitted to a
// stream that is being captured is recorded instead, and a graph launch replays it.
#include <chrono>
#include <cstring>
#include <set>

#include "emu.h"

namespace gogan_emu {

CUresult do_copy(const Op& op);
CUresult do_set(const Op& op);
CUresult do_kernel(const Op& op);

namespace {

struct Graph {
	std::vector<Op> ops;
};

struct Stream {
	unsigned flags = 0;
	Graph* capture = nullptr;  // the graph being recorded, or null
	bool invalidated = false;  // a call during the capture broke it
};

struct Event {
	std::chrono::steady_clock::time_point at;
	bool recorded = false;
};

std::set<Stream*> streams;
std::set<Event*> events;
std::set<Graph*> graphs, execs;
// The stream this thread is capturing: gogan captures in the thread-local mode, where only
// the capturing thread's unsafe calls break the capture.
thread_local Stream* capturing = nullptr;

Stream* stream_of(CUstream s) { return reinterpret_cast<Stream*>(s); }

// is_default says whether s names the NULL, legacy or per-thread default stream.
bool is_default(CUstream s) { return s == nullptr || s == CU_STREAM_LEGACY || s == CU_STREAM_PER_THREAD; }

bool valid(CUstream s) { return is_default(s) || streams.count(stream_of(s)) != 0; }

}  // namespace

bool capture_blocks(const char* call) {
	if (capturing == nullptr) return false;
	capturing->invalidated = true;
	report(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "%s: not permitted while this thread captures a stream", call);
	return true;
}

CUresult run_op(Op& op) {
	switch (op.kind) {
	case Op::kKernel: return do_kernel(op);
	case Op::kCopy: return do_copy(op);
	case Op::kSet: return do_set(op);
	case Op::kHost: op.fn(op.data.empty() ? op.user : op.data.data()); return CUDA_SUCCESS;
	}
	return CUDA_ERROR_UNKNOWN;
}

CUresult submit(CUstream s, Op op) {
	if (!valid(s)) return report(CUDA_ERROR_INVALID_HANDLE, "%s: %p is not a live stream", op.call, (void*)s);
	if (is_default(s)) {
		// The default stream synchronises with the others, which a capture forbids.
		if (capture_blocks(op.call)) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
		return run_op(op);
	}
	Stream* st = stream_of(s);
	if (st->capture != nullptr) {
		if (!st->invalidated) st->capture->ops.push_back(std::move(op));
		return st->invalidated ? CUDA_ERROR_STREAM_CAPTURE_INVALIDATED : CUDA_SUCCESS;
	}
	return run_op(op);
}

}  // namespace gogan_emu

using namespace gogan_emu;

#define LOCK std::lock_guard<std::recursive_mutex> lock(mu)

CUresult cuStreamCreate(CUstream* out, unsigned flags) {
	LOCK;
	if (out == nullptr) return CUDA_ERROR_INVALID_VALUE;
	auto* st = new Stream;
	st->flags = flags;
	streams.insert(st);
	*out = reinterpret_cast<CUstream>(st);
	return CUDA_SUCCESS;
}

CUresult cuStreamCreateWithPriority(CUstream* out, unsigned flags, int) { return cuStreamCreate(out, flags); }

CUresult cuStreamDestroy(CUstream s) {
	LOCK;
	if (is_default(s) || !streams.erase(stream_of(s)))
		return report(CUDA_ERROR_INVALID_HANDLE, "cuStreamDestroy: %p is not a live stream", (void*)s);
	Stream* st = stream_of(s);
	if (capturing == st) capturing = nullptr;
	delete st->capture;
	delete st;
	return CUDA_SUCCESS;
}

CUresult cuStreamGetFlags(CUstream s, unsigned* flags) {
	LOCK;
	if (!valid(s) || flags == nullptr) return CUDA_ERROR_INVALID_HANDLE;
	*flags = is_default(s) ? 0 : stream_of(s)->flags;
	return CUDA_SUCCESS;
}

// wait is the body of the calls that wait for a stream: there is never anything to wait for,
// but waiting is refused during a capture.
static CUresult wait(const char* call, CUstream s) {
	LOCK;
	if (!valid(s)) return report(CUDA_ERROR_INVALID_HANDLE, "%s: %p is not a live stream", call, (void*)s);
	if (capture_blocks(call)) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	if (strcmp(call, "cuStreamQuery") != 0) host_wait(call);
	return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream s) { return wait("cuStreamSynchronize", s); }
CUresult cuStreamQuery(CUstream s) { return wait("cuStreamQuery", s); }
CUresult cuCtxSynchronize(void) { return wait("cuCtxSynchronize", nullptr); }

CUresult cuStreamWaitEvent(CUstream s, CUevent, unsigned) {
	LOCK;
	return valid(s) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

CUresult cuStreamBeginCapture(CUstream s, CUstreamCaptureMode mode) {
	LOCK;
	if (is_default(s))
		return report(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "cuStreamBeginCapture: the default stream cannot be captured");
	if (!valid(s)) return CUDA_ERROR_INVALID_HANDLE;
	if (mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL)
		return report(CUDA_ERROR_NOT_SUPPORTED, "cuStreamBeginCapture: only CU_STREAM_CAPTURE_MODE_THREAD_LOCAL is emulated");
	Stream* st = stream_of(s);
	if (st->capture != nullptr || capturing != nullptr) return CUDA_ERROR_ILLEGAL_STATE;
	st->capture = new Graph;
	st->invalidated = false;
	capturing = st;
	return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream s, CUgraph* out) {
	LOCK;
	if (!valid(s) || is_default(s)) return CUDA_ERROR_INVALID_HANDLE;
	Stream* st = stream_of(s);
	if (st->capture == nullptr) return CUDA_ERROR_ILLEGAL_STATE;
	if (capturing != st) return CUDA_ERROR_STREAM_CAPTURE_WRONG_THREAD;
	capturing = nullptr;
	Graph* g = st->capture;
	st->capture = nullptr;
	if (out) *out = nullptr;
	if (st->invalidated) {
		delete g;
		return CUDA_ERROR_STREAM_CAPTURE_INVALIDATED;
	}
	graphs.insert(g);
	if (out) *out = reinterpret_cast<CUgraph>(g);
	return CUDA_SUCCESS;
}

CUresult cuStreamIsCapturing(CUstream s, CUstreamCaptureStatus* status) {
	LOCK;
	if (!valid(s) || status == nullptr) return CUDA_ERROR_INVALID_VALUE;
	Stream* st = is_default(s) ? nullptr : stream_of(s);
	*status = st == nullptr || st->capture == nullptr ? CU_STREAM_CAPTURE_STATUS_NONE
	          : st->invalidated                       ? CU_STREAM_CAPTURE_STATUS_INVALIDATED
	                                                  : CU_STREAM_CAPTURE_STATUS_ACTIVE;
	return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* out, CUgraph g, unsigned long long) {
	LOCK;
	Graph* graph = reinterpret_cast<Graph*>(g);
	if (out == nullptr || !graphs.count(graph)) return CUDA_ERROR_INVALID_VALUE;
	auto* exec = new Graph(*graph);
	execs.insert(exec);
	*out = reinterpret_cast<CUgraphExec>(exec);
	return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(CUgraphExec e, CUstream s) {
	LOCK;
	Graph* exec = reinterpret_cast<Graph*>(e);
	if (!execs.count(exec)) return report(CUDA_ERROR_INVALID_HANDLE, "cuGraphLaunch: %p is not a live graph", (void*)e);
	if (!valid(s)) return CUDA_ERROR_INVALID_HANDLE;
	if (!is_default(s) && stream_of(s)->capture != nullptr)
		return report(CUDA_ERROR_NOT_SUPPORTED, "cuGraphLaunch: launching a graph into a capture is not emulated");
	if (is_default(s) && capture_blocks("cuGraphLaunch")) return CUDA_ERROR_STREAM_CAPTURE_IMPLICIT;
	for (Op& op : exec->ops)
		if (CUresult r = run_op(op); r != CUDA_SUCCESS) return r;
	return CUDA_SUCCESS;
}

CUresult cuGraphDestroy(CUgraph g) {
	LOCK;
	Graph* graph = reinterpret_cast<Graph*>(g);
	if (!graphs.erase(graph)) return CUDA_ERROR_INVALID_VALUE;
	delete graph;
	return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec e) {
	LOCK;
	Graph* exec = reinterpret_cast<Graph*>(e);
	if (!execs.erase(exec)) return CUDA_ERROR_INVALID_VALUE;
	delete exec;
	return CUDA_SUCCESS;
}

CUresult cuLaunchHostFunc(CUstream s, CUhostFn fn, void* user) {
	LOCK;
	Op op(Op::kHost);
	op.fn = fn;
	op.user = user;
	op.call = "cuLaunchHostFunc";
	return submit(s, std::move(op));
}

// gogan_emu_stream_call queues fn on stream s with a copy of the size bytes at arg: the
// emulated cuBLAS queues its GEMMs with it, so that they are captured into graphs too.
extern "C" CUresult gogan_emu_stream_call(CUstream s, void (*fn)(void*), const void* arg, size_t size) {
	LOCK;
	Op op(Op::kHost);
	op.fn = fn;
	op.data.assign(static_cast<const char*>(arg), static_cast<const char*>(arg) + size);
	op.call = "cuBLAS call";
	return submit(s, std::move(op));
}

CUresult cuEventCreate(CUevent* out, unsigned) {
	LOCK;
	if (out == nullptr) return CUDA_ERROR_INVALID_VALUE;
	auto* ev = new Event;
	events.insert(ev);
	*out = reinterpret_cast<CUevent>(ev);
	return CUDA_SUCCESS;
}

CUresult cuEventDestroy(CUevent e) {
	LOCK;
	if (!events.erase(reinterpret_cast<Event*>(e))) return CUDA_ERROR_INVALID_HANDLE;
	delete reinterpret_cast<Event*>(e);
	return CUDA_SUCCESS;
}

CUresult cuEventRecord(CUevent e, CUstream s) {
	LOCK;
	Event* ev = reinterpret_cast<Event*>(e);
	if (!events.count(ev) || !valid(s)) return CUDA_ERROR_INVALID_HANDLE;
	ev->at = std::chrono::steady_clock::now();
	ev->recorded = true;
	return CUDA_SUCCESS;
}

CUresult cuEventSynchronize(CUevent e) {
	LOCK;
	if (!events.count(reinterpret_cast<Event*>(e))) return CUDA_ERROR_INVALID_HANDLE;
	if (capture_blocks("cuEventSynchronize")) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
	host_wait("cuEventSynchronize");
	return CUDA_SUCCESS;
}

CUresult cuEventQuery(CUevent e) {
	LOCK;
	return events.count(reinterpret_cast<Event*>(e)) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

// Elapsed time is wall time on the CPU: it says nothing about a GPU's speed.
CUresult cuEventElapsedTime(float* ms, CUevent start, CUevent end) {
	LOCK;
	Event *a = reinterpret_cast<Event*>(start), *b = reinterpret_cast<Event*>(end);
	if (ms == nullptr || !events.count(a) || !events.count(b)) return CUDA_ERROR_INVALID_HANDLE;
	if (!a->recorded || !b->recorded) return CUDA_ERROR_INVALID_HANDLE;
	*ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
	return CUDA_SUCCESS;
}
