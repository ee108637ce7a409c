//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangLimit is how long a refusal may take before the test calls it a hang.
const hangLimit = 30 * time.Second

// ganWithin runs the command in-process and fails the test if it has not returned within
// hangLimit; the blocked call is left behind, as a user's would be.
func ganWithin(t *testing.T, args ...string) ganResult {
	t.Helper()
	done := make(chan ganResult, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- ganResult{code: -1, stderr: "panic"}
			}
		}()
		done <- gan(t, args...)
	}()
	select {
	case res := <-done:
		return res
	case <-time.After(hangLimit):
		t.Fatalf("gan %s: no answer within %v", strings.Join(args, " "), hangLimit)
		return ganResult{}
	}
}

// specialFiles makes, in dir, one of each kind of file that is not a regular file, keyed by
// the words a refusal names it with.
func specialFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	folder := filepath.Join(dir, "folder")
	linkToFIFO, dangling := filepath.Join(dir, "link-to-fifo"), filepath.Join(dir, "dangling")
	for _, err := range []error{os.Mkdir(folder, 0o755), os.Symlink(fifo, linkToFIFO), os.Symlink(filepath.Join(dir, "nothing"), dangling)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{"a FIFO": fifo, "a FIFO ": linkToFIFO, "no such file": dangling, "folder": folder}
	for _, dev := range []string{"/dev/null", "/dev/zero"} {
		if _, err := os.Stat(dev); err == nil {
			files["character device"+strings.Repeat(" ", len(files))] = dev
		}
	}
	return files
}

// TestFileArgumentsOfEveryKind gives every file argument of every command a FIFO, a link to
// one, a dangling link, a folder and a device: each is refused in one line that says what
// it is, at once (a FIFO used to block open forever), and no run folder is left.
func TestFileArgumentsOfEveryKind(t *testing.T) {
	f := newBadInputFixture(t)
	special := specialFiles(t, t.TempDir())
	out := f.path("out")
	commands := map[string]func(file string) []string{
		"train --resume":        func(p string) []string { return []string{"train", "--resume", p, "--steps", "9", "--out", out} },
		"generate --checkpoint": func(p string) []string { return []string{"generate", "--checkpoint", p, "--out", f.path("g.png")} },
		"generate --weights":    func(p string) []string { return []string{"generate", "--weights", p, "--out", f.path("g.png")} },
		"generate --latents": func(p string) []string {
			return []string{"generate", "--checkpoint", f.ck, "--latents", p, "--out", f.path("g.png")}
		},
		"eval --checkpoint": func(p string) []string { return []string{"eval", "--checkpoint", p, "--data", f.data} },
		"eval --samples": func(p string) []string {
			return []string{"eval", "--samples", p, "--dataset", "mnist", "--data", f.data}
		},
	}
	for name, args := range commands {
		for kind, file := range special {
			kind = strings.TrimSpace(kind)
			if kind == "folder" && strings.HasSuffix(name, "--checkpoint") || kind == "folder" && name == "train --resume" || kind == "folder" && name == "eval --samples" {
				kind = "" // a folder is a run folder or a folder of images: refused for what it lacks
			}
			res := ganWithin(t, args(file)...)
			if res.code == 0 {
				t.Errorf("%s %s (%s): accepted", name, file, kind)
				continue
			}
			if msg := strings.TrimSpace(res.stderr); strings.Contains(msg, "\n") || !strings.Contains(msg, kind) {
				t.Errorf("%s %s: want one line naming %q, got:\n%s", name, file, kind, res.stderr)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s %s: a run folder was made", name, file)
			}
		}
	}
}

// TestDatasetFileIsFIFO makes a dataset's image file a FIFO: training refuses it at once,
// saying it is a FIFO rather than that the folder lacks the dataset's images.
func TestDatasetFileIsFIFO(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	images := filepath.Join(data, "train-images-idx3-ubyte.gz")
	if err := os.Remove(images); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(images, 0o644); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	res := ganWithin(t, trainArgs(data, filepath.Join(dir, "run"), "--steps", "1")...)
	expectOneLineError(t, res, images, "a FIFO")
}
