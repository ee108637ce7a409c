//go:build cuda

// Package guard checks that the CUDA driver can start before gorgonia.org/cu's package
// initialiser does: cu calls cuInit in its init and exits the process, with a bare message,
// when that fails. Go initialises packages in import-path order among those whose imports are
// ready (the order the Go 1.21 spec fixes), and this package imports only what cu imports
// too, so its init runs first and can say what is wrong.
//
// In a test binary with no usable device it reports the reason and exits as a test binary
// with no tests to run, so `go test -tags cuda` passes with "[no tests to run]" where there is
// no GPU; setting GOGAN_CUDA_REQUIRE=1 (as make test-cuda does) makes that a failure instead.
// In any other binary it prints one line and exits with status 1.
package guard

// #cgo LDFLAGS: -lcuda
// #include <cuda.h>
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

// Problem is empty when the driver started and found a device, otherwise why not.
var Problem string

func init() {
	Problem = probe()
	if Problem == "" {
		return
	}
	if isTestBinary() {
		if os.Getenv("GOGAN_CUDA_REQUIRE") == "1" {
			os.Stderr.WriteString("cuda: the GPU tests cannot run (GOGAN_CUDA_REQUIRE=1): " + Problem + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("cuda: skipping the GPU tests: " + Problem + "\ntesting: warning: no tests to run\nPASS\n")
		os.Exit(0)
	}
	os.Stderr.WriteString(os.Args[0] + ": this build uses CUDA and cannot start: " + Problem +
		"; build without -tags cuda (make build) for machines without an NVIDIA GPU\n")
	os.Exit(1)
}

func probe() string {
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
