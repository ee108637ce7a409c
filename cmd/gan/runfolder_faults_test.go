package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestStaleTemporaryFilesRemoved leaves the temporary files of a run killed during its
// writes, and resumes: they are gone, and a file of the user's with a similar name is kept.
func TestStaleTemporaryFilesRemoved(t *testing.T) {
	run := trainTiny(t, 2)
	f := badInputFixture{dir: run}
	stale := []string{
		f.write(t, filepath.Join("checkpoints", ".step_3.safetensors.tmp-123456"), make([]byte, 1000)),
		f.write(t, filepath.Join("checkpoints", "latest.safetensors.tmp-link"), nil),
		f.write(t, filepath.Join("samples", ".step_3.png.tmp-987"), nil),
		f.write(t, ".loss.png.tmp-55", nil),
	}
	mine := f.write(t, filepath.Join("checkpoints", "notes.tmp-1"), []byte("mine"))
	res := mustGan(t, "train", "--resume", latestOf(run), "--steps", "3")
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	if _, err := os.Stat(mine); err != nil {
		t.Errorf("a file gogan did not write was removed: %v", err)
	}
	if !strings.Contains(res.stderr, "removed 4 temporary files left in "+run+" by an interrupted run") {
		t.Errorf("the removal is not reported:\n%s", res.stderr)
	}
}

// TestUnwritableCheckpointsFolderFailsAtStart makes checkpoints/ a folder that cannot be
// written: the run must fail before its first step, not at its first checkpoint.
func TestUnwritableCheckpointsFolderFailsAtStart(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /proc/self, a folder nobody can write, even root")
	}
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	out := filepath.Join(dir, "run")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/proc/self", filepath.Join(out, "checkpoints")); err != nil {
		t.Fatal(err)
	}
	res := gan(t, trainArgs(data, out, "--steps", "30", "--checkpoint-every", "25")...)
	expectOneLineError(t, res, filepath.Join(out, "checkpoints"), "not writable")
	if _, err := os.Stat(filepath.Join(out, "metrics.jsonl")); err == nil {
		t.Errorf("steps were trained before the unwritable folder was noticed")
	}
}
