package buildcheck

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFmtCheckWithoutGit runs make fmt-check in a copy of the tree's Go files and makefiles
// with no .git: it once handed gofmt an empty file list, and gofmt then read standard input
// for ever.
func TestFmtCheckWithoutGit(t *testing.T) {
	for _, tool := range []string{"make", "gofmt"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: %v", tool, err)
		}
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	archive := t.TempDir()
	copied := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == ".git" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		// The Makefile, the makefiles it includes, and the Go files.
		if rel != "Makefile" && !strings.HasSuffix(rel, ".mk") && !strings.HasSuffix(rel, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		copied++
		dst := filepath.Join(archive, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if copied < 50 {
		t.Fatalf("copied %d files from %s; is this the repository?", copied, root)
	}
	run := func(files string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, "make", "-s", "fmt-check")
		cmd.Dir = archive
		// Standard input stays open, as a terminal's does: a gofmt that reads it waits.
		stdin, keepOpen, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer stdin.Close()
		defer keepOpen.Close()
		cmd.Stdin = stdin
		cmd.WaitDelay = time.Second
		out, err := cmd.CombinedOutput()
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("make fmt-check (%s) still running after 30 seconds", files)
		}
		return string(out), err
	}
	if out, err := run("formatted"); err != nil {
		t.Fatalf("make fmt-check without .git: %v\n%s", err, out)
	}
	// And it still finds a badly formatted file.
	if err := os.WriteFile(filepath.Join(archive, "cmd", "gan", "ugly.go"), []byte("package main\nfunc  ugly( ) {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run("one unformatted"); err == nil || !strings.Contains(out, "ugly.go") {
		t.Fatalf("make fmt-check passed a badly formatted file: %v\n%s", err, out)
	}
}
