//go:build cuda

// The table behind trampolines.S: gogan_cu_load opens libcuda.so.1 (or the library that
// GOGAN_CUDA_DRIVER names: another driver, or none, for a test) and fills each slot with
// the driver's entry point of that name. Until then, and where the driver is missing or
// cannot start, a slot holds a stand-in that answers CUDA_ERROR_NOT_INITIALIZED; cuInit's
// answers success, so that gorgonia.org/cu's package initialiser, which exits the process
// when cuInit fails, lets a program without a usable GPU run its CPU commands.
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda.h>

#include "loader.h"

#define ENTRY(name) #name,
static const char *const gogan_cu_names[] = {
#include "entries.h"
};
#undef ENTRY

enum { gogan_cu_count = sizeof gogan_cu_names / sizeof gogan_cu_names[0] };

// Read by the trampolines; every driver entry point returns a CUresult, so a stand-in that
// takes no arguments and returns one is a valid target for a jump from any of them.
void *gogan_cu_table[gogan_cu_count];

static CUresult not_initialised(void) { return CUDA_ERROR_NOT_INITIALIZED; }
static CUresult succeed(void) { return CUDA_SUCCESS; }
static CUresult missing_entry(void) { return CUDA_ERROR_NOT_FOUND; }

static char load_error[512];

const char *gogan_cu_load_error(void) { return load_error; }

// gogan_cu_stand_in points every slot at not_initialised and cuInit's at succeed, but leaves
// cuGetErrorName's and cuGetErrorString's at the driver's where it was loaded: they work
// without cuInit and name the error that stopped it.
void gogan_cu_stand_in(void) {
	for (int i = 0; i < gogan_cu_count; i++) {
		const char *n = gogan_cu_names[i];
		if (strcmp(n, "cuGetErrorName") == 0 || strcmp(n, "cuGetErrorString") == 0) {
			if (gogan_cu_table[i] != NULL && gogan_cu_table[i] != (void *)missing_entry) continue;
		}
		gogan_cu_table[i] = strcmp(n, "cuInit") == 0 ? (void *)succeed : (void *)not_initialised;
	}
}

int gogan_cu_load(void) {
	for (int i = 0; i < gogan_cu_count; i++) gogan_cu_table[i] = (void *)not_initialised;
	const char *path = getenv("GOGAN_CUDA_DRIVER");
	if (path == NULL || path[0] == '\0') path = "libcuda.so.1";
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		const char *e = dlerror();
		snprintf(load_error, sizeof load_error, "%s", e != NULL ? e : path);
		return 0;
	}
	for (int i = 0; i < gogan_cu_count; i++) {
		void *f = dlsym(lib, gogan_cu_names[i]);
		gogan_cu_table[i] = f != NULL ? f : (void *)missing_entry;
	}
	return 1;
}
