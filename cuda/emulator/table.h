// The emulator's table of kernels, generated from the extern "C" signatures of
// cuda/kernels/*.cu by cuda/internal/genptx: one entry per kernel, with a function that
// unpacks cuLaunchKernel's void** kernelParams per the signature and calls the kernel.
#pragma once

#include <cstddef>

enum gogan_emu_param_kind {
	GOGAN_EMU_POINTER,  // a device pointer: checked against the allocation table at launch
	GOGAN_EMU_VALUE,    // an integer or floating-point value
};

struct gogan_emu_param {
	const char* name;
	const char* type;
	gogan_emu_param_kind kind;
	unsigned size;
};

struct gogan_emu_kernel {
	const char* name;
	const char* module;  // the .cu file, without the extension
	void (*run)(void* const* params);
	int nparams;
	const gogan_emu_param* params;
};

// A table is a null-terminated array; the emulated libcuda registers the table of gogan's
// kernels, and the emulator's own tests register theirs.
extern "C" void gogan_emu_register(const gogan_emu_kernel* table);
