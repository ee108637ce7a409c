package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"
)

func init() {
	register("info", "print the build, the CPU's features and the GPUs", runInfo)
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("info", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "gogan build: %s\n", buildFlavour)
	fmt.Fprintf(stdout, "go: %s %s/%s, %d CPUs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	var feats []string
	for _, f := range []struct {
		name string
		on   bool
	}{{"avx2", cpu.X86.HasAVX2}, {"fma", cpu.X86.HasFMA}, {"avx512f", cpu.X86.HasAVX512F}, {"asimd", cpu.ARM64.HasASIMD}} {
		if f.on {
			feats = append(feats, f.name)
		}
	}
	fmt.Fprintf(stdout, "cpu features: %s\n", strings.Join(feats, " "))
	return gpuInfo(stdout)
}
