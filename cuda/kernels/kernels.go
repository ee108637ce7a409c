// Package kernels holds gogan's CUDA kernels, one module per .cu file, compiled by go
// generate ./cuda and embedded in the binary twice over: as PTX for the virtual architecture
// Arch, which the driver compiles for any GPU from Volta on, and as machine code (SASS, in
// cubins) for the GPUs of SASSArchs, which the driver loads as it is. The backend loads a
// module's SASS where the GPU can run it (SASS), so that the first run on an A100 or H100
// compiles nothing, and falls back to the PTX elsewhere (Ada's 8.9 runs sm_80's SASS; a
// Blackwell GPU JIT-compiles the PTX).
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

// SASSArchs are the GPUs with machine code embedded: the data-centre Ampere and Hopper GPUs,
// the ones gogan is measured on. SASS for sm_XY runs on compute capability X.Z for Z ≥ Y.
var SASSArchs = []string{"sm_80", "sm_90"}

//go:embed *.ptx *.cubin
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

// SASS returns a module's machine code for a GPU of compute capability major.minor and the
// architecture it was built for (sm_80), or ok false where none of SASSArchs runs there:
// machine code built for sm_XY runs on X.Z for Z ≥ Y only, the newest such Y is taken.
func SASS(module string, major, minor int) (cubin []byte, arch string, ok bool) {
	best := -1
	for i, a := range SASSArchs {
		var x, y int
		if _, err := fmt.Sscanf(a, "sm_%1d%1d", &x, &y); err != nil {
			panic(fmt.Sprintf("kernels: SASS architecture %q is not sm_XY", a))
		}
		if x == major && y <= minor && (best < 0 || a > SASSArchs[best]) {
			best = i
		}
	}
	if best < 0 {
		return nil, "", false
	}
	b, err := ptx.ReadFile(module + "." + SASSArchs[best] + ".cubin")
	if err != nil {
		return nil, "", false
	}
	return b, SASSArchs[best], true
}
