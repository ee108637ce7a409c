//go:build cuda

package cuda

// #cgo LDFLAGS: -lcuda
// #include <cuda.h>
import "C"

import (
	"fmt"
	"reflect"
)

// fail keeps the first error, as the capture's while one is being recorded; it runs on the
// worker.
func (b *Backend) fail(op string, err error) {
	err = fmt.Errorf("cuda: %s: %w", op, err)
	switch {
	case b.capturing && b.capErr == nil:
		b.capErr = err
	case !b.capturing && b.err == nil:
		b.err = err
	}
}

// failLater records an error found on the caller's side, in queue order.
func (b *Backend) failLater(op string, err error) {
	b.w.async(func() { b.fail(op, err) })
}

// driverError adds the driver's own name and description to an error from cu, whose
// messages are bare names such as "OutOfMemory".
func driverError(err error) error {
	v := reflect.ValueOf(err)
	if v.Kind() != reflect.Int || v.Type().PkgPath() != "gorgonia.org/cu" {
		return err
	}
	return &cuError{err: err, text: describe(C.CUresult(v.Int()))}
}

// resultError is the error of a driver call made here rather than through cu.
func resultError(r C.CUresult) error {
	if r == C.CUDA_SUCCESS {
		return nil
	}
	return &cuError{err: fmt.Errorf("CUresult %d", int(r)), text: describe(r)}
}

// describe is the driver's name and description of a result.
func describe(r C.CUresult) string {
	var name, text *C.char
	if C.cuGetErrorName(r, &name) != C.CUDA_SUCCESS || C.cuGetErrorString(r, &text) != C.CUDA_SUCCESS {
		return fmt.Sprintf("CUDA error %d", int(r))
	}
	return C.GoString(name) + " (" + C.GoString(text) + ")"
}

// cuError is an error of cu with the driver's description; errors.Is still finds cu's value.
type cuError struct {
	err  error
	text string
}

func (e *cuError) Error() string { return e.text }

func (e *cuError) Unwrap() error { return e.err }
