package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionLine(t *testing.T) {
	flavour := strings.Fields(buildFlavour)[0]
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "gogan", Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef"}, {Key: "vcs.time", Value: "2026-12-07T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		info *debug.BuildInfo
		ok   bool
		want string
	}{
		{info, true, "gogan v1.2.3, commit 0123456789abcdef of 2026-12-07T10:00:00Z with uncommitted changes, go1.26.8, " + flavour + " build"},
		{&debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "gogan (devel), commit unknown (built without version control information), go1.26.8, " + flavour + " build"},
		{nil, false, "gogan (version unknown: no build information) " + flavour},
	}
	for _, c := range cases {
		if got := versionLine(c.info, c.ok); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
	if flavour != "cpu" && flavour != "cuda" {
		t.Errorf("flavour %q, want cpu or cuda", flavour)
	}
}

// TestVersionCommand checks that gan --version and gan version print the same line.
func TestVersionCommand(t *testing.T) {
	a, b := mustGan(t, "--version"), mustGan(t, "version")
	if a.stdout != b.stdout || !strings.HasPrefix(a.stdout, "gogan ") || !strings.HasSuffix(a.stdout, " build\n") {
		t.Errorf("gan --version printed %q, gan version %q", a.stdout, b.stdout)
	}
}

// TestVersionOfBuiltBinary builds gan from this checkout and checks that it names the
// checkout's commit, which only a real build (not a test binary) carries.
func TestVersionOfBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command; skipped with -short")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("needs git and a git checkout: %v", err)
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatal(err)
	}
	// The go command stamps the commit only where .git is a folder, not in a git worktree,
	// whose .git is a file.
	if st, err := os.Stat(filepath.Join(strings.TrimSpace(string(top)), ".git")); err != nil || !st.IsDir() {
		t.Skip("the checkout's .git is not a folder (a git worktree): go build stamps no commit there")
	}
	bin := filepath.Join(t.TempDir(), "gan")
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "commit " + strings.TrimSpace(string(head)); !strings.Contains(string(out), want) {
		t.Errorf("gan --version printed %q, want it to contain %q", out, want)
	}
}
