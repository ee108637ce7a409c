//go:build cuda

package cuda

import (
	"errors"
	"fmt"

	"gorgonia.org/cu"

	"gogan/cuda/kernels"
)

// moduleImage loads a kernel module for a GPU of compute capability major.minor: its SASS
// where one of kernels.SASSArchs runs there, otherwise, or where the driver refuses that
// SASS, its PTX, compiled by the driver. It returns the module and which image it took, in
// words ("SASS sm_90", "PTX compute_70, compiled by the driver: ..."). It runs on a thread
// whose current context is the GPU's.
func moduleImage(name string, major, minor int) (cu.Module, string, error) {
	why := fmt.Sprintf("no SASS for compute capability %d.%d", major, minor)
	if cubin, arch, ok := kernels.SASS(name, major, minor); ok {
		m, err := cu.LoadData(string(cubin))
		if err == nil {
			return m, "SASS " + arch, nil
		}
		why = fmt.Sprintf("the driver refused the SASS for %s: %v", arch, driverError(err))
	}
	src, err := kernels.PTX(name)
	if err != nil {
		return cu.Module{}, "", err
	}
	m, err := loadModule(src)
	if err != nil {
		return cu.Module{}, "", fmt.Errorf("compile the %s kernels (PTX for %s; %s): %w", name, kernels.Arch, why, err)
	}
	return m, fmt.Sprintf("PTX %s, compiled by the driver (%s)", kernels.Arch, why), nil
}

// computeCapability is the compute capability of device d.
func computeCapability(d cu.Device) (major, minor int, err error) {
	attrs, err := d.Attributes(cu.ComputeCapabilityMajor, cu.ComputeCapabilityMinor)
	if err != nil {
		return 0, 0, driverError(err)
	}
	return attrs[0], attrs[1], nil
}

// imagesLine loads every kernel module on the GPU whose primary context is current, as New
// would, and says which image each took: one phrase where all took the same kind.
func imagesLine(d cu.Device) (string, error) {
	major, minor, err := computeCapability(d)
	if err != nil {
		return "kernels: not loaded", err
	}
	used := map[string][]string{}
	var order []string
	for _, name := range kernels.Modules() {
		m, image, err := moduleImage(name, major, minor)
		if err != nil {
			return "kernels: not loaded", fmt.Errorf("cuda: GPU 0: %w", err)
		}
		if err := m.Unload(); err != nil {
			return "kernels: loaded", fmt.Errorf("cuda: GPU 0: unload the %s kernels: %w", name, driverError(err))
		}
		if used[image] == nil {
			order = append(order, image)
		}
		used[image] = append(used[image], name)
	}
	if len(order) == 0 {
		return "kernels: not loaded", errors.New("cuda: no kernel modules embedded")
	}
	line := "kernels:"
	for i, image := range order {
		if i > 0 {
			line += ";"
		}
		line += fmt.Sprintf(" %s for %d of %d modules (%v)", image, len(used[image]), len(kernels.Modules()), used[image])
	}
	return line, nil
}
