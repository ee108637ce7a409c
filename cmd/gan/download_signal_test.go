package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"gogan/data"
)

// TestDownloadHonoursSIGTERM starts gan download from a mirror that trickles its file, and
// sends SIGTERM once the temporary file exists: the command must exit 143 and leave nothing.
func TestDownloadHonoursSIGTERM(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGTERM cannot be sent to a process on Windows")
	}
	first := data.Catalog["mnist"].Files[0]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.FormatInt(first.Size, 10))
		for r.Context().Err() == nil {
			w.Write([]byte{0})
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd := ganProcess(t, nil, &stdout, &stderr, "download", "mnist", "--mirror", srv.URL, "--dir", dir, "--split", first.Split)
	waitUntil(t, cmd, &stderr, 30*time.Second, "no temporary file", func() bool {
		tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
		return len(tmp) > 0
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if code := exitStatus(t, cmd); code != 143 {
		t.Errorf("exit status %d after SIGTERM, want 143\nstderr: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "terminated (SIGTERM)") {
		t.Errorf("stderr does not say why it stopped:\n%s", stderr.String())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left in %s: %v", dir, entries)
	}
}
