package data

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// trickle sends body one byte at a time, every gap: each byte restarts an idle timer.
func trickle(body []byte, gap time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		for _, b := range body {
			if _, err := w.Write([]byte{b}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-time.After(gap):
			case <-r.Context().Done():
				return
			}
		}
	}
}

// A mirror that trickles a byte every 20 ms never goes idle, but is far below the minimum
// rate: it must be abandoned within a rate window, and leave no temporary file.
func TestDownloadTricklingMirror(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 2000)
	files := map[string][]byte{"train-images-idx3-ubyte.gz": body}
	url := serve(t, &mirror{files: files, faults: map[string]http.HandlerFunc{"train-images-idx3-ubyte.gz": trickle(body, 20*time.Millisecond)}})
	dir := t.TempDir()
	opt := DownloadOptions{Mirrors: []string{url}, IdleTimeout: time.Second, MinRate: 1000, RateWindow: 300 * time.Millisecond}
	start := time.Now()
	err := testSource(files).Download(context.Background(), dir, opt)
	if err == nil || !strings.Contains(err.Error(), "slower than the 1000 bytes a second a mirror must send") {
		t.Errorf("trickling mirror: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the trickling mirror was abandoned after %v", took)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}

	opt = DownloadOptions{Mirrors: []string{url}, IdleTimeout: time.Second, MinRate: 1, RateWindow: time.Second, Deadline: 300 * time.Millisecond}
	err = testSource(files).Download(context.Background(), t.TempDir(), opt)
	if err == nil || !strings.Contains(err.Error(), "not done within 300ms") {
		t.Errorf("download past its deadline: %v", err)
	}
}
