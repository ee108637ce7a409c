package tensorboard_test

import (
	"bytes"
	"os"
	"testing"

	"gogan/tensorboard"
	"gogan/tensorboard/internal/tbproto"
)

// writeSteps writes Loss/D = step for steps first..last and closes the writer.
func writeSteps(t *testing.T, dir string, resumeStep, first, last int64) string {
	t.Helper()
	w, err := tensorboard.Open(dir, resumeStep)
	if err != nil {
		t.Fatal(err)
	}
	for step := first; step <= last; step++ {
		must(t, w.Scalar(tensorboard.TagLossD, step, float64(step)))
		must(t, w.Flush())
	}
	must(t, w.Close())
	return w.Path()
}

// stepsAcrossFiles reads dir's event files as TensorBoard does (in name order) and counts
// how often each step of Loss/D appears.
func stepsAcrossFiles(t *testing.T, dir string) (map[int64]int, [][]*tbproto.Event) {
	t.Helper()
	counts := map[int64]int{}
	var all [][]*tbproto.Event
	for _, path := range eventFiles(t, dir) {
		events, err := readEventFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for step, v := range scalars(events)["Loss/D"] {
			counts[step]++
			if v != float32(step) {
				t.Errorf("%s: Loss/D at step %d is %v", path, step, v)
			}
		}
		all = append(all, events)
	}
	return counts, all
}

func checkOneCurve(t *testing.T, counts map[int64]int, last int64) {
	t.Helper()
	for step := int64(1); step <= last; step++ {
		if counts[step] != 1 {
			t.Errorf("step %d appears %d times across the files, want once", step, counts[step])
		}
	}
	if len(counts) != int(last) {
		t.Errorf("%d steps across the files, want %d", len(counts), last)
	}
}

// A run checkpointed at step 5 that went on to step 10 before it stopped, resumed from
// step 5 and run to 8, must read as steps 1..8, each once.
func TestResumeKeepsOneCurve(t *testing.T) {
	dir := t.TempDir()
	first := writeSteps(t, dir, 0, 1, 10)
	second := writeSteps(t, dir, 5, 6, 8)
	if first == second {
		t.Fatalf("the resumed run wrote into the first run's file %s", first)
	}
	counts, files := stepsAcrossFiles(t, dir)
	if len(files) != 2 {
		t.Fatalf("%d event files, want 2", len(files))
	}
	checkOneCurve(t, counts, 8)
	for i, events := range files {
		if events[0].GetFileVersion() != "brain.Event:2" {
			t.Errorf("file %d starts with %v, want the file version", i, events[0])
		}
	}
	start := files[1][1]
	if start.GetSessionLog().GetStatus() != tbproto.SessionLog_START || start.Step != 6 {
		t.Errorf("the resumed file's second event is %v, want a SessionLog START at step 6", start)
	}
}

// A run killed in the middle of a write leaves half a record; resuming keeps the whole
// records up to the resume step and drops the half.
func TestResumeAfterCrashMidRecord(t *testing.T) {
	dir := t.TempDir()
	first := writeSteps(t, dir, 0, 1, 10)
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(first, b[:len(b)-7], 0o644))
	if _, err := readEventFile(first); err == nil {
		t.Fatal("the cut file still reads as sound; the test would prove nothing")
	}
	writeSteps(t, dir, 7, 8, 12)
	counts, _ := stepsAcrossFiles(t, dir) // fails if the old file still ends in half a record
	checkOneCurve(t, counts, 12)
}

// Three runs: the second resumes at 4 and dies at 9, the third resumes at 6.
func TestResumeTwice(t *testing.T) {
	dir := t.TempDir()
	writeSteps(t, dir, 0, 1, 5)
	writeSteps(t, dir, 4, 5, 9)
	writeSteps(t, dir, 6, 7, 10)
	counts, files := stepsAcrossFiles(t, dir)
	if len(files) != 3 {
		t.Fatalf("%d event files, want 3", len(files))
	}
	checkOneCurve(t, counts, 10)
}

// A damaged older file is not silently cut short: Open refuses, and nothing on disk changes.
func TestResumeRefusesCorruptFile(t *testing.T) {
	dir := t.TempDir()
	first := writeSteps(t, dir, 0, 1, 10)
	b, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x04
	must(t, os.WriteFile(first, b, 0o644))
	w, err := tensorboard.Open(dir, 5)
	if err == nil {
		w.Close()
		t.Fatal("resume over a corrupt event file succeeded")
	}
	t.Logf("error, as a user sees it: %v", err)
	after, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(after, b) {
		t.Error("the corrupt file was changed")
	}
	if files := eventFiles(t, dir); len(files) != 1 {
		t.Errorf("%d event files after the refusal, want the 1 there before", len(files))
	}
}
