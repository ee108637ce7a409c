package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedIsFresh regenerates the assembly and its Go declarations and compares them
// with the committed files, which must be regenerated whenever the generator changes.
func TestGeneratedIsFresh(t *testing.T) {
	dir := t.TempDir()
	out, stubs := filepath.Join(dir, "kernel_amd64.s"), filepath.Join(dir, "kernel_amd64.go")
	if err := generate(out, stubs, "gemm"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{out, stubs} {
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		committed := filepath.Join("..", filepath.Base(f))
		want, err := os.ReadFile(committed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in gemm", committed)
		}
	}
}
