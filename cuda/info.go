//go:build cuda

package cuda

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"gorgonia.org/cu"

	"gogan/cuda/internal/guard"
)

// Available reports whether New can find a GPU and a driver new enough for the kernels.
// False where package guard found no driver library, no device or a driver that cannot
// start, and for a driver too old for the kernels.
func Available() bool { return guard.Problem == "" && cu.Version() >= minDriverVersion }

// Info describes the driver, the GPUs and the cuBLAS that New would load, one per line. The
// text goes as far as it can when err is not nil.
func Info() (string, error) {
	if guard.Problem != "" {
		return "", errors.New("cuda: " + guard.Problem)
	}
	var sb strings.Builder
	v := cu.Version()
	fmt.Fprintf(&sb, "CUDA driver: supports CUDA %d.%d", v/1000, v%1000/10)
	if km := kernelModuleVersion(); km != "" {
		fmt.Fprintf(&sb, ", NVIDIA kernel module %s", km)
	}
	sb.WriteString("\n")
	n, err := cu.NumDevices()
	if err != nil {
		return sb.String(), fmt.Errorf("cuda: count devices: %w", driverError(err))
	}
	for i := 0; i < n; i++ {
		line, err := deviceLine(i)
		if err != nil {
			return sb.String(), err
		}
		sb.WriteString(line + "\n")
	}
	// Before the kernels are loaded: an old driver cannot take their PTX.
	if v < minDriverVersion {
		return sb.String(), fmt.Errorf("cuda: the driver supports CUDA %d.%d, but gogan's kernels need %d.%d or newer: update the driver (R520 or later)",
			v/1000, v%1000/10, minDriverVersion/1000, minDriverVersion%1000/10)
	}
	line, err := blasLine()
	sb.WriteString(line + "\n")
	return sb.String(), err
}

// blasLine says which image of the kernels New would load on GPU 0 (imagesLine), and names
// the cuBLAS that New would use there, its version and where it was found.
// It makes GPU 0's primary context on a thread of its own, as New's choice depends on
// whether the library can make a handle there with this driver.
func blasLine() (string, error) {
	type result struct {
		line string
		err  error
	}
	done := make(chan result)
	go func() {
		// Never unlocked: the thread that held the context exits with the goroutine.
		runtime.LockOSThread()
		line, err := func() (string, error) {
			dev, err := cu.GetDevice(0)
			if err != nil {
				return "cuBLAS: not checked", fmt.Errorf("cuda: GPU 0: %w", driverError(err))
			}
			ctx, err := dev.RetainPrimaryCtx()
			if err != nil {
				return "cuBLAS: not checked", fmt.Errorf("cuda: GPU 0: make context: %w", driverError(err))
			}
			defer dev.ReleasePrimaryCtx()
			if err := cu.SetCurrentContext(ctx); err != nil {
				return "cuBLAS: not checked", fmt.Errorf("cuda: GPU 0: make context current: %w", driverError(err))
			}
			// The kernels as New loads them, while GPU 0's context is current.
			images, err := imagesLine(dev)
			if err != nil {
				return images, err
			}
			images += "\n"
			lib, h, err := openBLAS()
			if err != nil {
				return images + "cuBLAS: not found", err
			}
			defer lib.Close()
			defer h.Destroy()
			major, minor, patch, err := lib.Version()
			if err != nil {
				return images + fmt.Sprintf("cuBLAS: %s (found in %s), version unknown", lib.Path, lib.Where), fmt.Errorf("cuda: %s: %w", lib.Path, err)
			}
			return images + fmt.Sprintf("cuBLAS: %d.%d.%d, %s (found in %s)", major, minor, patch, lib.Path, lib.Where), nil
		}()
		done <- result{line, err}
	}()
	r := <-done
	return r.line, r.err
}

// deviceLine describes GPU i: name, memory, compute capability and multiprocessors.
func deviceLine(i int) (string, error) {
	d, err := cu.GetDevice(i)
	if err != nil {
		return "", fmt.Errorf("cuda: GPU %d: %w", i, driverError(err))
	}
	name, err := d.Name()
	if err != nil {
		return "", fmt.Errorf("cuda: GPU %d: name: %w", i, driverError(err))
	}
	mem, err := d.TotalMem()
	if err != nil {
		return "", fmt.Errorf("cuda: GPU %d: memory: %w", i, driverError(err))
	}
	attrs, err := d.Attributes(cu.ComputeCapabilityMajor, cu.ComputeCapabilityMinor, cu.MultiprocessorCount)
	if err != nil {
		return "", fmt.Errorf("cuda: GPU %d: attributes: %w", i, driverError(err))
	}
	return fmt.Sprintf("GPU %d: %s, %.1f GiB, compute capability %d.%d, %d multiprocessors",
		i, name, float64(mem)/(1<<30), attrs[0], attrs[1], attrs[2]), nil
}

// kernelModuleVersion is the version of the NVIDIA kernel module, as nvidia-smi shows it, or
// "" where /proc does not say.
func kernelModuleVersion() string {
	b, err := os.ReadFile("/proc/driver/nvidia/version")
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(b), "\n")
	for _, f := range strings.Fields(first) {
		if len(f) > 0 && f[0] >= '0' && f[0] <= '9' && strings.Count(f, ".") >= 1 {
			return f
		}
	}
	return ""
}
