//go:build cuda

// Package cublas loads NVIDIA's cuBLAS at run time and calls the few routines gogan needs.
//
// cuBLAS changes its soname and symbol versions with each CUDA major version
// (libcublas.so.11, .12, .13), so a binary linked against one would not start on a machine
// that has another. This package links against none: Load tries the sonames from the newest
// down, in the loader's search path and then in the places where users have cuBLAS (see
// Candidates), or the file named by GOGAN_CUBLAS, and resolves the entry points by name. Only the
// driver library, libcuda.so.1, whose interface is stable across versions, is linked.
//
// Loading needs no GPU; making a handle needs a current CUDA context on the calling thread.
package cublas

// #cgo LDFLAGS: -ldl
// #include <stdlib.h>
// #include "shim.h"
import "C"

import (
	"fmt"
	"strings"
	"unsafe"
)

// Library is a loaded cuBLAS.
type Library struct {
	l     *C.gogan_cublas
	Path  string // the name or path it was loaded from
	Where string // the place of the search that found it
}

// Load opens the first candidate (see Candidates) that loads, resolves and passes accept (nil
// accepts all), so that a cuBLAS too new for the driver can give way to an older one. The
// error lists every candidate with the reason it was passed over.
func Load(accept func(*Library) error) (*Library, error) {
	var tried []string
	try := func(cands []Candidate) *Library {
		for _, c := range cands {
			l, err := Open(c.Path)
			if err == nil && accept != nil {
				if err = accept(l); err != nil {
					err = fmt.Errorf("%s: %w", c.Path, err)
					l.Close()
				}
			}
			if err == nil {
				l.Where = c.Where
				return l
			}
			tried = append(tried, fmt.Sprintf("%s (%s)", err, c.Where))
		}
		return nil
	}
	first := machine.withoutPython()
	if l := try(first); l != nil {
		return l, nil
	}
	if machine.getenv(EnvPath) == "" {
		// Only now ask Python where its environments are: it takes a process start.
		if l := try(dedupeAgainst(machine.python(), first)); l != nil {
			return l, nil
		}
	}
	return nil, fmt.Errorf("cuBLAS not found; tried %s. Install cuBLAS from CUDA 11, 12 or 13 (a toolkit, or pip install nvidia-cublas), or set %s to the library's path",
		strings.Join(tried, "; "), EnvPath)
}

// dedupeAgainst drops from c what was already tried.
func dedupeAgainst(c, tried []Candidate) []Candidate {
	seen := map[string]bool{}
	for _, t := range tried {
		seen[t.Path] = true
	}
	var out []Candidate
	for _, x := range dedupe(c) {
		if !seen[x.Path] {
			out = append(out, x)
		}
	}
	return out
}

// Open loads one library by soname or path.
// A library loaded by path gets the cuBLASLt beside it loaded first (see ltPath).
func Open(path string) (*Library, error) {
	return open(path, ltPath(path))
}

// open loads path after lt, when lt is not "" and exists.
func open(path, lt string) (*Library, error) {
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var clt *C.char
	if lt != "" && machine.isFile(lt) {
		clt = C.CString(lt)
		defer C.free(unsafe.Pointer(clt))
	}
	var msg [512]C.char
	l := C.gogan_cublas_open(cpath, clt, &msg[0], C.size_t(len(msg)))
	if l == nil {
		// dlerror's message and ours both name the file.
		return nil, fmt.Errorf("%s", C.GoString(&msg[0]))
	}
	return &Library{l: l, Path: path}, nil
}

// Close unloads the library; its handles must be destroyed first.
func (l *Library) Close() {
	if l.l != nil {
		C.gogan_cublas_close(l.l)
		l.l = nil
	}
}

// Version is the library's major, minor and patch version, which it reports without a GPU.
func (l *Library) Version() (major, minor, patch int, err error) {
	var v [3]C.int
	for i := range v {
		if err := status("cublasGetProperty", C.gogan_cublas_get_property(l.l, C.int(i), &v[i])); err != nil {
			return 0, 0, 0, err
		}
	}
	return int(v[0]), int(v[1]), int(v[2]), nil
}

// Handle is a cuBLAS context, bound to the CUDA context current when it was made.
type Handle struct {
	l *Library
	h C.uintptr_t
}

// NewHandle makes a handle in the calling thread's current CUDA context.
func (l *Library) NewHandle() (*Handle, error) {
	var h C.uintptr_t
	if err := status("cublasCreate", C.gogan_cublas_create(l.l, &h)); err != nil {
		return nil, fmt.Errorf("%s: %w", l.Path, err)
	}
	return &Handle{l: l, h: h}, nil
}

// Destroy releases the handle.
func (h *Handle) Destroy() error { return status("cublasDestroy", C.gogan_cublas_destroy(h.l.l, h.h)) }

// SetStream makes the handle queue its work on stream (a CUstream).
func (h *Handle) SetStream(stream uintptr) error {
	return status("cublasSetStream", C.gogan_cublas_set_stream(h.l.l, h.h, C.uintptr_t(stream)))
}

// SetTF32 allows or forbids TensorFloat-32 tensor cores in single-precision products.
func (h *Handle) SetTF32(on bool) error {
	mode := C.int(0) // CUBLAS_DEFAULT_MATH
	if on {
		mode = 3 // CUBLAS_TF32_TENSOR_OP_MATH
	}
	return status("cublasSetMathMode", C.gogan_cublas_set_math_mode(h.l.l, h.h, mode))
}

// SetWorkspace gives the handle device memory of its own, which CUDA graph capture needs:
// without it cuBLAS may allocate while a graph is being recorded.
func (h *Handle) SetWorkspace(ptr uintptr, bytes int) error {
	return status("cublasSetWorkspace", C.gogan_cublas_set_workspace(h.l.l, h.h, C.uintptr_t(ptr), C.size_t(bytes)))
}

// Version is cublasGetVersion's number, major·10000 + minor·100 + patch in cuBLAS 11 and later.
func (h *Handle) Version() (int, error) {
	var v C.int
	err := status("cublasGetVersion", C.gogan_cublas_get_version(h.l.l, h.h, &v))
	return int(v), err
}

// Sgemm is cuBLAS's column-major C = alpha·op(A)·op(B) + beta·C on device pointers, with
// op(A) m×k and op(B) k×n.
func (h *Handle) Sgemm(transA, transB bool, m, n, k int, alpha float32, a uintptr, lda int, b uintptr, ldb int,
	beta float32, c uintptr, ldc int) error {
	r := C.gogan_cublas_sgemm(h.l.l, h.h, op(transA), op(transB), C.int(m), C.int(n), C.int(k),
		C.float(alpha), C.uintptr_t(a), C.int(lda), C.uintptr_t(b), C.int(ldb), C.float(beta), C.uintptr_t(c), C.int(ldc))
	return status("cublasSgemm", r)
}

func op(trans bool) C.int {
	if trans {
		return 1 // CUBLAS_OP_T
	}
	return 0 // CUBLAS_OP_N
}

// statusNames are cublasStatus_t's values.
var statusNames = map[C.int]string{
	1: "CUBLAS_STATUS_NOT_INITIALIZED", 3: "CUBLAS_STATUS_ALLOC_FAILED", 7: "CUBLAS_STATUS_INVALID_VALUE",
	8: "CUBLAS_STATUS_ARCH_MISMATCH", 11: "CUBLAS_STATUS_MAPPING_ERROR", 13: "CUBLAS_STATUS_EXECUTION_FAILED",
	14: "CUBLAS_STATUS_INTERNAL_ERROR", 15: "CUBLAS_STATUS_NOT_SUPPORTED", 16: "CUBLAS_STATUS_LICENSE_ERROR",
}

// ErrMissing is returned for an optional entry point that the loaded cuBLAS lacks.
var ErrMissing = fmt.Errorf("not in this cuBLAS")

func status(call string, r C.int) error {
	switch r {
	case 0:
		return nil
	case -1:
		return fmt.Errorf("%s: %w", call, ErrMissing)
	case 1:
		// cublasCreate's usual failure: no context, or a driver older than this cuBLAS needs.
		return fmt.Errorf("%s: %s (no current CUDA context, or a driver too old for this cuBLAS)", call, statusNames[r])
	}
	if n, ok := statusNames[r]; ok {
		return fmt.Errorf("%s: %s", call, n)
	}
	return fmt.Errorf("%s: cuBLAS status %d", call, int(r))
}
