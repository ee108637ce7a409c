//go:build cuda

// One trampoline per driver entry point of entries.h: each jumps through its slot of
// gogan_cu_table, which loader.c fills from libcuda.so.1 opened at run time. The binaries so
// define every driver entry point they use and need no libcuda.so.1 to start (see guard.go).
// The jump keeps the caller's arguments and return address as they are, so one stub serves
// every signature.

	.text
	.set gogan_cu_index, 0

#if defined(__x86_64__)
#define ENTRY(name) \
	.globl name; .type name, @function; .p2align 4; \
name: jmp *(gogan_cu_table + 8 * gogan_cu_index)(%rip); \
	.size name, . - name; .set gogan_cu_index, gogan_cu_index + 1;
#elif defined(__aarch64__)
#define ENTRY(name) \
	.globl name; .type name, %function; .p2align 4; \
name: adrp x16, gogan_cu_table + 8 * gogan_cu_index; \
	ldr x16, [x16, #:lo12:gogan_cu_table + 8 * gogan_cu_index]; br x16; \
	.size name, . - name; .set gogan_cu_index, gogan_cu_index + 1;
#else
#error "gogan's CUDA driver trampolines are written for x86-64 and arm64"
#endif

#include "entries.h"

	.section .note.GNU-stack, "", %progbits
