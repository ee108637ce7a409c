package main

import (
	"fmt"
	"path/filepath"
	"sort"

	"gogan/internal/atomicfile"
)

// sources returns the generated files for the kernels in dir (kernels, relative to the
// package cuda directory that go generate runs in), by path, and the planted-fault kernels of
// the emulator's own tests.
func sources(dir string) (map[string][]byte, error) {
	root := filepath.Dir(dir)
	ks, err := readKernels(dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	from := filepath.ToSlash(filepath.Join(filepath.Base(dir), "*.cu"))
	if out[filepath.Join(root, "kernels_gen.go")], err = goLaunchers(ks, from); err != nil {
		return nil, err
	}
	emu := filepath.Join(root, "emulator")
	out[filepath.Join(emu, "kernels_table.cc")] = emuTable(ks, "cuda/"+from)
	faults, err := readKernels(filepath.Join(emu, "testdata"))
	if err != nil {
		return nil, err
	}
	out[filepath.Join(emu, "testdata", "faults_table.cc")] = emuTable(faults, "cuda/emulator/testdata/*.cu")
	if out[filepath.Join(dir, "nn_enums.h")], err = enumHeader(filepath.Join(root, "..", "nn")); err != nil {
		return nil, err
	}
	if out[filepath.Join(emu, "unsupported.c")], err = unsupportedStubs(filepath.Join(emu, "driver_api.txt")); err != nil {
		return nil, err
	}
	return out, nil
}

// writeSources writes the generated sources, each atomically.
func writeSources(dir string) error {
	files, err := sources(dir)
	if err != nil {
		return err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if err := atomicfile.WriteFile(p, files[p], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}
