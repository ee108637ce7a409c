//go:build cuda

package cublas

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// These tests need no GPU: loading and resolving cuBLAS and asking its version do not touch
// the device.

func TestLoadListsWhatItTried(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libcublas.so.99")
	t.Setenv(EnvPath, missing)
	_, err := Load(nil)
	if err == nil {
		t.Fatalf("Load with %s=%s succeeded", EnvPath, missing)
	}
	for _, want := range []string{missing, "No such file", EnvPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLoadRejectsLibraryWithoutCublas(t *testing.T) {
	// libc loads but has none of the entry points.
	t.Setenv(EnvPath, "libc.so.6")
	_, err := Load(nil)
	if err == nil || !strings.Contains(err.Error(), "has no cublasCreate_v2") {
		t.Fatalf("Load of libc = %v, want a missing-symbol error", err)
	}
}

func TestCandidatesNewestFirst(t *testing.T) {
	t.Setenv(EnvPath, "")
	c := Candidates()
	if len(c) < 3 || c[0].Path != "libcublas.so.13" || c[1].Path != "libcublas.so.12" || c[2].Path != "libcublas.so.11" {
		t.Fatalf("candidates %v, want the sonames 13, 12, 11 first", c)
	}
}

func TestLoadInstalled(t *testing.T) {
	t.Setenv(EnvPath, "")
	var passedOver []string
	l, err := Load(func(l *Library) error {
		passedOver = append(passedOver, l.Path)
		return nil
	})
	if err != nil {
		if _, statErr := os.Stat("/usr/lib/x86_64-linux-gnu/libcublas.so.11"); statErr != nil {
			t.Skipf("no cuBLAS installed here: %v", err)
		}
		t.Fatal(err)
	}
	defer l.Close()
	major, minor, patch, err := l.Version()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(l.Path, ".so."+strconv.Itoa(major)) {
		t.Errorf("loaded %s but it reports version %d.%d.%d", l.Path, major, minor, patch)
	}
	t.Logf("loaded %s, cuBLAS %d.%d.%d", l.Path, major, minor, patch)
}

func TestLoadFallsBackWhenRejected(t *testing.T) {
	t.Setenv(EnvPath, "")
	first := ""
	_, err := Load(func(l *Library) error {
		if first == "" {
			first = l.Path
		}
		return os.ErrPermission
	})
	if first == "" {
		t.Skip("no cuBLAS installed here")
	}
	if err == nil || !strings.Contains(err.Error(), first+": "+os.ErrPermission.Error()) {
		t.Fatalf("Load rejecting every library = %v, want the rejection of %s listed", err, first)
	}
}
