package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// A kernel is an extern "C" __global__ function of a .cu file.
type kernel struct {
	module string // the file's name without .cu
	name   string
	params []param
}

// A param is one parameter of a kernel, as written in its signature.
type param struct {
	name  string
	ctype string // the C type without __restrict__
}

func (p param) pointer() bool { return strings.Contains(p.ctype, "*") }

var (
	signature   = regexp.MustCompile(`(?s)extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)`)
	lineComment = regexp.MustCompile(`//[^\n]*`)
	paramRE     = regexp.MustCompile(`^(.*?[\s*])(\w+)$`)
	spaces      = regexp.MustCompile(`\s+`)
)

// readKernels parses the kernels of every .cu file in dir, in file order and then in
// source order.
func readKernels(dir string) ([]kernel, error) {
	srcs, err := filepath.Glob(filepath.Join(dir, "*.cu"))
	if err != nil {
		return nil, err
	}
	if len(srcs) == 0 {
		return nil, fmt.Errorf("no .cu files in %s", dir)
	}
	sort.Strings(srcs)
	var ks []kernel
	seen := map[string]string{}
	for _, src := range srcs {
		text, err := os.ReadFile(src)
		if err != nil {
			return nil, err
		}
		module := strings.TrimSuffix(filepath.Base(src), ".cu")
		found, err := parseKernels(module, string(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		for _, k := range found {
			if other, ok := seen[k.name]; ok {
				return nil, fmt.Errorf("kernel %s is defined in both %s.cu and %s.cu", k.name, other, module)
			}
			seen[k.name] = module
		}
		ks = append(ks, found...)
	}
	return ks, nil
}

// parseKernels finds the extern "C" __global__ signatures of one source file.
func parseKernels(module, text string) ([]kernel, error) {
	text = lineComment.ReplaceAllString(text, "")
	var ks []kernel
	for _, m := range signature.FindAllStringSubmatch(text, -1) {
		k := kernel{module: module, name: m[1]}
		list := strings.TrimSpace(m[2])
		if list != "" && list != "void" {
			for _, p := range strings.Split(list, ",") {
				p = strings.TrimSpace(spaces.ReplaceAllString(strings.ReplaceAll(p, "__restrict__", ""), " "))
				pm := paramRE.FindStringSubmatch(p)
				if pm == nil {
					return nil, fmt.Errorf("kernel %s: cannot read parameter %q", k.name, p)
				}
				ctype := strings.ReplaceAll(strings.TrimSpace(pm[1]), " *", "*")
				if _, err := goType(ctype); err != nil {
					return nil, fmt.Errorf("kernel %s, parameter %s: %w", k.name, pm[2], err)
				}
				k.params = append(k.params, param{name: pm[2], ctype: ctype})
			}
		}
		ks = append(ks, k)
	}
	if len(ks) == 0 {
		return nil, fmt.Errorf("no extern \"C\" __global__ kernels")
	}
	return ks, nil
}

// goType is the Go type of a kernel parameter in the generated launchers.
func goType(ctype string) (string, error) {
	if strings.HasSuffix(ctype, "*") {
		return "uintptr", nil
	}
	switch ctype {
	case "int":
		return "int", nil
	case "unsigned", "unsigned int":
		return "uint32", nil
	case "float":
		return "float32", nil
	case "double":
		return "float64", nil
	}
	return "", fmt.Errorf("type %q has no Go launcher type (pointer, int, unsigned, float or double)", ctype)
}
