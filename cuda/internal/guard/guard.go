//go:build cuda

// Package guard finds out, before gorgonia.org/cu's package initialiser runs, whether the
// CUDA driver can start, and lets the program start either way.
//
// The cuda binaries do not link libcuda.so.1: trampolines.S defines every driver entry point
// they use (entries.h, generated from cuda/emulator/driver_api.txt by
// `go generate -tags cuda ./cuda/internal/guard`) as a jump through a table that loader.c
// fills from libcuda.so.1 opened at run time. A machine without the NVIDIA driver can so run
// the CPU commands of a cuda build, which a link-time dependency would stop before main. When
// the library is missing or cuInit, the driver version or the device count says no GPU is
// usable, Problem says why and every entry point becomes a stand-in that fails, except cuInit,
// which succeeds: cu calls cuInit in its init and exits the process, with a bare message, when
// that fails. Go initialises packages in import-path order among those whose imports are
// ready (the order the Go 1.21 spec fixes), and this package imports only what cu imports
// too, so its init runs first.
//
// A test binary with no usable device reports the reason and exits as a test binary with no
// tests to run, so `go test -tags cuda` passes with "[no tests to run]" where there is no
// GPU; setting GOGAN_CUDA_REQUIRE=1 (as make test-cuda does) makes that a failure instead.
// Other programs run on, and the cuda backend's constructor reports Problem.
package guard

//go:generate go run gen_entries.go

// #cgo LDFLAGS: -ldl
// #include <cuda.h>
// #include "loader.h"
//
// static CUresult probe(int *count, int *version) {
//	CUresult r = cuInit(0);
//	if (r != CUDA_SUCCESS) return r;
//	r = cuDriverGetVersion(version);
//	if (r != CUDA_SUCCESS) return r;
//	return cuDeviceGetCount(count);
// }
import "C"

import (
	"os"
	"strings"
)

// Problem is empty when the driver started and found a device, otherwise why not, in words
// that name the cause: no driver library, an error of cuInit, or no device.
var Problem string

func init() {
	Problem = probe()
	if Problem == "" {
		return
	}
	C.gogan_cu_stand_in()
	if isTestBinary() {
		if os.Getenv("GOGAN_CUDA_REQUIRE") == "1" {
			os.Stderr.WriteString("cuda: the GPU tests cannot run (GOGAN_CUDA_REQUIRE=1): " + Problem + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("cuda: skipping the GPU tests: " + Problem + "\ntesting: warning: no tests to run\nPASS\n")
		os.Exit(0)
	}
}

func probe() string {
	if C.gogan_cu_load() == 0 {
		return "no NVIDIA driver library: " + C.GoString(C.gogan_cu_load_error()) +
			" (is the NVIDIA driver installed, and its libcuda.so.1 on the loader's path?)"
	}
	var count, version C.int
	if r := C.probe(&count, &version); r != C.CUDA_SUCCESS {
		return "cuInit: " + describe(r)
	}
	if count == 0 {
		return "the driver found no CUDA device"
	}
	return ""
}

// describe names a driver error and says what it usually means.
func describe(r C.CUresult) string {
	var name, text *C.char
	C.cuGetErrorName(r, &name)
	C.cuGetErrorString(r, &text)
	s := goString(name) + " (" + goString(text) + ")"
	switch r {
	case C.CUDA_ERROR_NO_DEVICE:
		s += ": no NVIDIA GPU is visible to this process"
	case C.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, C.CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE:
		s += ": the NVIDIA user-space driver does not match the kernel driver"
	case C.CUDA_ERROR_UNKNOWN, C.CUDA_ERROR_NOT_INITIALIZED:
		s += ": is the NVIDIA kernel driver loaded (nvidia-smi)?"
	}
	return s
}

func goString(p *C.char) string {
	if p == nil {
		return "unknown"
	}
	return C.GoString(p)
}

// isTestBinary reports whether this process is a test binary, which go test runs with
// -test.* flags and names *.test.
func isTestBinary() bool {
	if strings.HasSuffix(os.Args[0], ".test") {
		return true
	}
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.") {
			return true
		}
	}
	return false
}
