//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestRunFolderFilesAsFIFOs replaces, one at a time, each file that resuming in place reads
// or appends to with a FIFO: each is refused in one line naming it, at once (opening a FIFO
// blocks until a writer comes), and the checkpoints are left as they were.
func TestRunFolderFilesAsFIFOs(t *testing.T) {
	for _, name := range []string{"config.json", "metrics.jsonl", "checkpoints/latest.safetensors"} {
		t.Run(name, func(t *testing.T) {
			run := trainTiny(t, 2, "--checkpoint-every", "1")
			ck := filepath.Join(run, "checkpoints", "step_2.safetensors")
			if name == "checkpoints/latest.safetensors" {
				ck = filepath.Join(run, "checkpoints", "step_1.safetensors")
			}
			target := filepath.Join(run, name)
			if err := os.Remove(target); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(target, 0o644); err != nil {
				t.Skipf("cannot make a FIFO here: %v", err)
			}
			res := ganWithin(t, "train", "--resume", ck, "--steps", "3")
			if res.code == 0 || !strings.Contains(res.stderr, "FIFO") || strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
				t.Fatalf("resume with %s a FIFO: exit %d, want a one-line refusal naming it\nstderr: %s", name, res.code, res.stderr)
			}
			if _, err := os.Stat(filepath.Join(run, "checkpoints", "step_2.safetensors")); err != nil {
				t.Fatalf("the refused resume moved a checkpoint: %v", err)
			}
		})
	}
}
