// Command asm generates the amd64 micro-kernels and packing routines of package gemm with avo.
//
// It is a module of its own so that avo stays out of gogan's go.mod; package gemm runs it
// through go generate and commits the output.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
)

func main() {
	// A flag set of its own: avo's build package registers its flags on the default one.
	fs := flag.NewFlagSet("asm", flag.ExitOnError)
	out := fs.String("out", "kernel_amd64.s", "assembly output `file`")
	stubs := fs.String("stubs", "kernel_amd64.go", "Go declarations output `file`")
	pkg := fs.String("pkg", "gemm", "package name of the output")
	fs.Parse(os.Args[1:])
	if err := generate(*out, *stubs, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "asm:", err)
		os.Exit(1)
	}
}

func generate(out, stubs, pkg string) error {
	c := build.NewContext()
	c.ConstraintExpr("amd64,!purego")
	for _, k := range kernels {
		k.generate(c)
	}
	for _, p := range packers {
		p.generate(c)
	}
	f, err := c.Result()
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		return fmt.Errorf("compile: %w", err)
	}
	cfg := printer.Config{Argv: []string{"go", "run", "./asm"}, Pkg: pkg}
	for _, o := range []struct {
		path string
		p    printer.Printer
	}{{out, printer.NewGoAsm(cfg)}, {stubs, printer.NewStubs(cfg)}} {
		b, err := o.p.Print(f)
		if err != nil {
			return fmt.Errorf("print %s: %w", o.path, err)
		}
		if err := writeFile(o.path, b); err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces path atomically, so that an interrupted run never leaves a half-written
// assembly file that breaks the build.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
