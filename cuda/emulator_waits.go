//go:build cuda

package cuda

// #cgo LDFLAGS: -ldl
// #include <dlfcn.h>
// typedef unsigned long long (*waits_fn)(void);
// static void* waits_symbol(void) {
// 	void* f = dlsym(RTLD_DEFAULT, "gogan_emu_host_waits");
// 	if (f) return f;
// 	/* The driver is loaded by cuda/internal/guard with dlopen, out of the global scope. */
// 	void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
// 	return h ? dlsym(h, "gogan_emu_host_waits") : NULL;
// }
// static unsigned long long call_waits(void* f) { return ((waits_fn)f)(); }
import "C"

// emulatorHostWaits returns a reader of the emulated driver's count of calls that made the
// host wait for the device (see cuda/emulator/memory.cc), and false on a real driver, which
// keeps no such count. The tests use it to show that a training step does not wait.
func emulatorHostWaits() (func() uint64, bool) {
	f := C.waits_symbol()
	if f == nil {
		return nil, false
	}
	return func() uint64 { return uint64(C.call_waits(f)) }, true
}
