// Package kernels holds gogan's CUDA kernels as PTX, one module per .cu file, compiled by
// go generate ./cuda for the virtual architecture Arch and embedded in the binary. The driver
// compiles the PTX for the GPU it runs on when the backend loads the modules.
package kernels

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Arch is the virtual architecture the PTX targets. compute_70 (Volta) runs on every GPU from
// the V100 and T4 on, including Ampere, Ada, Hopper and Blackwell, through the driver's JIT
// compiler, which optimises for the GPU at hand. The kernels are plain float32 and double
// arithmetic with warp shuffles, so no later virtual architecture would make them faster.
const Arch = "compute_70"

//go:embed *.ptx
var ptx embed.FS

// Modules lists the module names, one per .cu file, sorted.
func Modules() []string {
	entries, err := fs.Glob(ptx, "*.ptx")
	if err != nil {
		panic(err) // the pattern is constant and valid
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = strings.TrimSuffix(e, ".ptx")
	}
	sort.Strings(names)
	return names
}

// PTX returns the text of a module.
func PTX(module string) (string, error) {
	b, err := ptx.ReadFile(module + ".ptx")
	if err != nil {
		return "", fmt.Errorf("kernels: no module %q: %w", module, err)
	}
	return string(b), nil
}
