//go:build cuda

package cuda

import (
	"strings"
	"testing"

	"gorgonia.org/cu"

	"gogan/cuda/kernels"
)

// TestKernelImages loads every embedded module on the GPU both ways, as the preflight of
// scripts/gpu-check.sh does before any test launches a kernel: its PTX through the driver's
// JIT compiler (what a GPU without SASS gets), and the image New loads, which must be the
// SASS wherever SASS for this GPU is embedded; each must hold every kernel of the module.
// On the emulator, which runs PTX only, the image New loads must be the PTX.
func TestKernelImages(t *testing.T) {
	b := gpu(t)
	onEmulator := emulated(t)
	b.w.call(func() {
		major, minor, err := computeCapability(b.dev)
		if err != nil {
			t.Errorf("compute capability: %v", err)
			return
		}
		t.Logf("%s: compute capability %d.%d", b.desc, major, minor)
		for _, name := range kernels.Modules() {
			src, err := kernels.PTX(name)
			if err != nil {
				t.Error(err)
				continue
			}
			m, err := loadModule(src)
			if err != nil {
				t.Errorf("%s: the driver cannot compile the PTX: %v", name, err)
			} else {
				checkModuleKernels(t, name, "PTX", m)
			}
			m, image, err := moduleImage(name, major, minor)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			t.Logf("%s: %s", name, image)
			checkModuleKernels(t, name, image, m)
			_, arch, hasSASS := kernels.SASS(name, major, minor)
			switch {
			case onEmulator && !strings.HasPrefix(image, "PTX"):
				t.Errorf("%s: the emulator loaded %q, not the PTX", name, image)
			case !onEmulator && hasSASS && image != "SASS "+arch:
				t.Errorf("%s: SASS for %s is embedded, but the GPU got %s", name, arch, image)
			}
		}
	})
}

// checkModuleKernels checks that module m holds every kernel of the module name, then unloads it.
func checkModuleKernels(t *testing.T, name, image string, m cu.Module) {
	t.Helper()
	n := 0
	for _, kn := range kernelNames {
		if kn.module != name {
			continue
		}
		n++
		if _, err := m.Function(kn.name); err != nil {
			t.Errorf("%s (%s): no kernel %s: %v", name, image, kn.name, driverError(err))
		}
	}
	if n == 0 {
		t.Errorf("%s: no kernels of this module in the launch table", name)
	}
	if err := m.Unload(); err != nil {
		t.Errorf("%s (%s): unload: %v", name, image, driverError(err))
	}
}
