package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFullStdoutFails gives gan data a standard output whose writes all fail, as on a full
// disk: the command says so in one line and exits non-zero, where it once exited 0 with an
// empty file.
func TestFullStdoutFails(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("needs /dev/full: %v", err)
	}
	defer full.Close()
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	var stderr bytes.Buffer
	code := runMain([]string{"data", "--dataset", "mnist", "--data", data, "--grid", filepath.Join(dir, "grid.png")}, full, &stderr)
	msg := strings.TrimSpace(stderr.String())
	if code == 0 || !strings.Contains(msg, "standard output") || !strings.Contains(msg, "no space left") || strings.Contains(msg, "\n") {
		t.Fatalf("gan data > /dev/full: exit %d, stderr %q; want a one-line refusal naming standard output", code, msg)
	}
}
