// The threads of a block as cooperative fibers. A fiber runs until it reaches
// __syncthreads, a warp operation or its end; the scheduler then runs the other runnable
// fibers, in an order shuffled under a seed (GOGAN_EMU_SEED), and releases a barrier once
// every thread it concerns has reached it. A barrier that cannot be released (threads of one
// block waiting at different barriers, or some having returned) is an error of the launch,
// where a GPU would hang or give undefined results.
//
// The switch between fibers is a few instructions of assembly that save the callee-saved
// registers, as swapcontext makes a system call per switch. The floating-point control words
// are not switched: kernels never change the rounding mode, so every fiber shares the one
// of the thread that launched it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define GOGAN_EMU_ASAN 1
#endif

#if !defined(__x86_64__)
#error "the emulator's fiber switch is written for x86-64"
#endif

extern "C" {
uint3 gogan_emu_threadIdx, gogan_emu_blockIdx;
dim3 gogan_emu_blockDim, gogan_emu_gridDim;

// gogan_emu_switch saves the callee-saved state on the current stack, stores the stack
// pointer in *save and resumes the fiber whose stack pointer is to.
void gogan_emu_switch(void** save, void* to);
}

asm(R"(
.text
.p2align 4
.globl gogan_emu_switch
.hidden gogan_emu_switch
.type gogan_emu_switch,@function
gogan_emu_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
.size gogan_emu_switch, .-gogan_emu_switch
)");

namespace gogan_emu {
namespace {

#ifdef GOGAN_EMU_ASAN
constexpr size_t kStackSize = 256 << 10;
#else
constexpr size_t kStackSize = 64 << 10;
#endif
constexpr int kMaxThreads = 1024;
constexpr int kWarp = 32;

enum State { kRunnable, kAtBarrier, kAtWarp, kDone };

struct Fiber {
	char* stack = nullptr;  // the lowest usable byte, above a guard page
	void* sp = nullptr;
	State state = kRunnable;
	uint3 idx{};
	int linear = 0;
	int parity = 0;  // which exchange buffer the fiber's next warp operation uses
};

struct Block {
	const gogan_emu_kernel* k = nullptr;
	void* const* params = nullptr;
	int nthreads = 0;
	Fiber fibers[kMaxThreads];
	Fiber* current = nullptr;
	void* sched_sp = nullptr;
	std::string error;  // set by a fiber that found misuse; the launch stops
	// Warp exchange buffers, two so that a lane may publish for the next operation while a
	// slower lane still reads the previous one.
	uint64_t exchange[2][kMaxThreads / kWarp][kWarp];
	uint64_t rng = 0;
#ifdef GOGAN_EMU_ASAN
	void* sched_fake_stack = nullptr;
	const void* sched_stack_bottom = nullptr;
	size_t sched_stack_size = 0;
#endif
};

Block blk;

uint64_t next_random() {
	// splitmix64
	uint64_t z = (blk.rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

[[noreturn]] void fiber_main();

// reset_stack lays out f's stack so that switching to it enters fiber_main as if called.
void reset_stack(Fiber* f) {
	if (f->stack == nullptr) {
		long page = sysconf(_SC_PAGESIZE);
		void* m = mmap(nullptr, kStackSize + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			perror("gogan emulator: fiber stack");
			abort();
		}
		// A thread that overflows its stack faults at once instead of writing into another's.
		mprotect(m, page, PROT_NONE);
		f->stack = static_cast<char*>(m) + page;
	}
	// Six callee-saved registers, the return address into fiber_main, and a slot that makes
	// the stack pointer at fiber_main's entry what a call would leave (8 mod 16).
	auto top = reinterpret_cast<uintptr_t>(f->stack + kStackSize) & ~uintptr_t(15);
	auto* frame = reinterpret_cast<uint64_t*>(top - 64);
	for (int i = 0; i < 6; i++) frame[i] = 0;  // r15 r14 r13 r12 rbx rbp
	frame[6] = reinterpret_cast<uint64_t>(&fiber_main);
	frame[7] = 0;
	f->sp = frame;
}

// resume runs f until it gives way.
void resume(Fiber* f) {
	blk.current = f;
	gogan_emu_threadIdx = f->idx;
#ifdef GOGAN_EMU_ASAN
	__sanitizer_start_switch_fiber(&blk.sched_fake_stack, f->stack, kStackSize);
#endif
	gogan_emu_switch(&blk.sched_sp, f->sp);
#ifdef GOGAN_EMU_ASAN
	__sanitizer_finish_switch_fiber(blk.sched_fake_stack, nullptr, nullptr);
#endif
	blk.current = nullptr;
}

// give_way returns from the current fiber to the scheduler.
void give_way() {
	Fiber* f = blk.current;
#ifdef GOGAN_EMU_ASAN
	void* fake = nullptr;
	__sanitizer_start_switch_fiber(f->state == kDone ? nullptr : &fake, blk.sched_stack_bottom, blk.sched_stack_size);
#endif
	gogan_emu_switch(&f->sp, blk.sched_sp);
#ifdef GOGAN_EMU_ASAN
	__sanitizer_finish_switch_fiber(fake, &blk.sched_stack_bottom, &blk.sched_stack_size);
#endif
}

void fiber_main() {
#ifdef GOGAN_EMU_ASAN
	__sanitizer_finish_switch_fiber(nullptr, &blk.sched_stack_bottom, &blk.sched_stack_size);
#endif
	blk.k->run(blk.params);
	blk.current->state = kDone;
	give_way();
	abort();  // a finished fiber is never resumed
}

// fail records the first misuse in the block and stops the calling fiber. The fiber never
// returns, so nothing on its stack may own memory: what is a plain string.
[[noreturn]] void fail(const char* what) {
	Fiber* f = blk.current;
	if (blk.error.empty()) {
		char where[160];
		snprintf(where, sizeof where, "kernel %s, block (%u,%u,%u), thread (%u,%u,%u): ", blk.k->name,
		         gogan_emu_blockIdx.x, gogan_emu_blockIdx.y, gogan_emu_blockIdx.z, f->idx.x, f->idx.y, f->idx.z);
		blk.error = where;
		blk.error += what;
	}
	f->state = kDone;
	give_way();
	abort();
}

std::string count_states() {
	int n[4] = {};
	for (int i = 0; i < blk.nthreads; i++) n[blk.fibers[i].state]++;
	char s[160];
	snprintf(s, sizeof s, "%d threads at __syncthreads, %d at a warp operation, %d returned", n[kAtBarrier], n[kAtWarp],
	         n[kDone]);
	return s;
}

// release makes runnable the threads whose barrier every participant has reached, and says
// whether there were any.
bool release() {
	bool any = false;
	int warps = (blk.nthreads + kWarp - 1) / kWarp;
	for (int w = 0; w < warps; w++) {
		int lo = w * kWarp, hi = lo + kWarp, waiting = 0;
		for (int i = lo; i < hi; i++) waiting += blk.fibers[i].state == kAtWarp;
		if (waiting == kWarp) {
			for (int i = lo; i < hi; i++) blk.fibers[i].state = kRunnable;
			any = true;
		}
	}
	if (any) return true;
	int at_barrier = 0, done = 0;
	for (int i = 0; i < blk.nthreads; i++) {
		at_barrier += blk.fibers[i].state == kAtBarrier;
		done += blk.fibers[i].state == kDone;
	}
	if (at_barrier > 0 && at_barrier + done == blk.nthreads) {
		if (done > 0) {
			blk.error = std::string("kernel ") + blk.k->name + ": __syncthreads not reached by every thread of the block: " +
			            count_states();
			return false;
		}
		for (int i = 0; i < blk.nthreads; i++) blk.fibers[i].state = kRunnable;
		return true;
	}
	return false;
}

bool run_block(std::string* err) {
	for (int i = 0; i < blk.nthreads; i++) {
		Fiber* f = &blk.fibers[i];
		reset_stack(f);
		f->state = kRunnable;
		f->parity = 0;
	}
	std::vector<int> order(blk.nthreads);
	for (;;) {
		order.clear();
		for (int i = 0; i < blk.nthreads; i++)
			if (blk.fibers[i].state == kRunnable) order.push_back(i);
		if (order.empty()) {
			bool all_done = true;
			for (int i = 0; i < blk.nthreads; i++) all_done = all_done && blk.fibers[i].state == kDone;
			if (all_done) return true;
			if (release()) continue;
			if (blk.error.empty()) {
				char where[64];
				snprintf(where, sizeof where, ", block (%u,%u,%u)", gogan_emu_blockIdx.x, gogan_emu_blockIdx.y,
				         gogan_emu_blockIdx.z);
				blk.error = std::string("kernel ") + blk.k->name + where +
				            ": threads wait at barriers that cannot be released (a GPU would hang): " + count_states();
			}
			*err = blk.error;
			return false;
		}
		for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[next_random() % i]);
		for (int i : order) {
			resume(&blk.fibers[i]);
			if (!blk.error.empty()) {
				*err = blk.error;
				return false;
			}
		}
	}
}

}  // namespace

bool run_launch(const gogan_emu_kernel* k, dim3 grid, dim3 block, void* const* params, std::string* err) {
	static bool seeded = false;
	if (!seeded) {
		const char* s = getenv("GOGAN_EMU_SEED");
		blk.rng = s ? strtoull(s, nullptr, 10) : 1;
		seeded = true;
	}
	blk.k = k;
	blk.params = params;
	blk.error.clear();
	blk.nthreads = int(block.x * block.y * block.z);
	gogan_emu_blockDim = block;
	gogan_emu_gridDim = grid;
	for (int i = 0; i < blk.nthreads; i++) {
		unsigned u = unsigned(i);
		blk.fibers[i].linear = i;
		blk.fibers[i].idx = {u % block.x, u / block.x % block.y, u / (block.x * block.y)};
	}
	for (unsigned z = 0; z < grid.z; z++)
		for (unsigned y = 0; y < grid.y; y++)
			for (unsigned x = 0; x < grid.x; x++) {
				gogan_emu_blockIdx = {x, y, z};
				if (!run_block(err)) return false;
			}
	return true;
}

}  // namespace gogan_emu

using namespace gogan_emu;

extern "C" void gogan_emu_syncthreads(void) {
	blk.current->state = kAtBarrier;
	give_way();
}

extern "C" int gogan_emu_lane(void) { return blk.current->linear % kWarp; }

extern "C" const void* gogan_emu_warp_exchange(const void* v, unsigned size, unsigned mask, int src) {
	Fiber* f = blk.current;
	int lane = f->linear % kWarp, warp = f->linear / kWarp;
	if (mask != 0xffffffffu) {
		char s[96];
		snprintf(s, sizeof s, "warp operation with mask %#x: the emulator supports only full warps (0xffffffff)", mask);
		fail(s);
	}
	if ((warp + 1) * kWarp > blk.nthreads) {
		char s[128];
		snprintf(s, sizeof s, "full-warp operation in a warp of %d threads (blockDim %d is not a multiple of 32)",
		         blk.nthreads - warp * kWarp, blk.nthreads);
		fail(s);
	}
	if (size > sizeof(uint64_t)) fail("warp operation on a value wider than 8 bytes");
	if (src < 0 || src >= kWarp) {
		char s[64];
		snprintf(s, sizeof s, "warp operation reads lane %d", src);
		fail(s);
	}
	uint64_t* slots = blk.exchange[f->parity][warp];
	memcpy(&slots[lane], v, size);
	f->state = kAtWarp;
	give_way();
	f->parity ^= 1;
	(void)lane;
	return &slots[src];
}
