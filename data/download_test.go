package data

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// mirror serves files by name and counts requests; a handler in faults, keyed by file name,
// replaces the normal answer.
type mirror struct {
	files  map[string][]byte
	faults map[string]http.HandlerFunc
	hits   atomic.Int32
}

func (m *mirror) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.hits.Add(1)
	name := filepath.Base(r.URL.Path)
	if f, ok := m.faults[name]; ok {
		f(w, r)
		return
	}
	body, ok := m.files[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write(body)
}

func serve(t *testing.T, m *mirror) string {
	s := httptest.NewServer(m)
	t.Cleanup(s.Close)
	return s.URL + "/"
}

// dropAfterHalf announces the whole file, sends half of it and hangs up.
func dropAfterHalf(body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

// testSource is a two-file dataset served by the test's mirrors only.
func testSource(files map[string][]byte) *Source {
	src := &Source{Name: "tiny", Title: "Tiny", Classes: 10, TestWord: "t10k"}
	for _, name := range []string{"train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"} {
		split := "train"
		if strings.HasPrefix(name, "t10k") {
			split = "test"
		}
		src.Files = append(src.Files, RemoteFile{name, int64(len(files[name])), sha(files[name]), split})
	}
	return src
}

func TestDownload(t *testing.T) {
	files := map[string][]byte{
		"train-images-idx3-ubyte.gz": bytes.Repeat([]byte("train"), 5000),
		"t10k-images-idx3-ubyte.gz":  bytes.Repeat([]byte("test"), 100),
	}
	const train = "train-images-idx3-ubyte.gz"
	good := &mirror{files: files}
	wrong := &mirror{files: map[string][]byte{train: bytes.Repeat([]byte("TRAIN"), 5000), "t10k-images-idx3-ubyte.gz": files["t10k-images-idx3-ubyte.gz"]}}
	tests := []struct {
		name    string
		mirrors []*mirror
		want    []string // in the error; none means success
	}{
		{"one good mirror", []*mirror{good}, nil},
		{"after an HTTP error", []*mirror{{files: map[string][]byte{}}, good}, nil},
		{"after a dropped connection", []*mirror{{files: files, faults: map[string]http.HandlerFunc{train: dropAfterHalf(files[train])}}, good}, nil},
		{"after a wrong checksum", []*mirror{wrong, good}, nil},
		{"wrong checksum only", []*mirror{wrong}, []string{"download " + train, "SHA-256 mismatch: got " + sha(wrong.files[train])}},
		{"HTTP error only", []*mirror{{files: map[string][]byte{}, faults: map[string]http.HandlerFunc{
			train: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }}}},
			[]string{"HTTP 500 Internal Server Error"}},
		{"dropped connection only", []*mirror{{files: files, faults: map[string]http.HandlerFunc{train: dropAfterHalf(files[train])}}},
			[]string{"connection broke after"}},
		{"wrong size announced", []*mirror{{files: map[string][]byte{train: []byte("short")}}}, []string{"server offers 5 bytes, want 25000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tiny")
			var urls []string
			for _, m := range tc.mirrors {
				urls = append(urls, serve(t, m))
			}
			var log bytes.Buffer
			err := testSource(files).Download(context.Background(), dir, DownloadOptions{Mirrors: urls, Log: &log})
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				for name, body := range files {
					if got, err := os.ReadFile(filepath.Join(dir, name)); err != nil || !bytes.Equal(got, body) {
						t.Errorf("%s: %d bytes (%v), want the served %d", name, len(got), err, len(body))
					}
				}
			} else {
				if err == nil {
					t.Fatalf("no error, want %q", tc.want)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				if _, statErr := os.Stat(filepath.Join(dir, train)); statErr == nil {
					t.Error("a failed file was left under its name")
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) > len(files) {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

func TestDownloadKeepsVerifiedFiles(t *testing.T) {
	files := map[string][]byte{"train-images-idx3-ubyte.gz": []byte("train"), "t10k-images-idx3-ubyte.gz": []byte("test")}
	m := &mirror{files: files}
	url := serve(t, m)
	dir := t.TempDir()
	src := testSource(files)
	os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), []byte("train"), 0o644)
	os.WriteFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz"), []byte("stale"), 0o644)
	var log bytes.Buffer
	if err := src.Download(context.Background(), dir, DownloadOptions{Mirrors: []string{url}, Log: &log}); err != nil {
		t.Fatal(err)
	}
	if m.hits.Load() != 1 {
		t.Errorf("%d requests, want 1: only the stale file needs fetching", m.hits.Load())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "t10k-images-idx3-ubyte.gz")); string(got) != "test" {
		t.Errorf("stale file holds %q after download", got)
	}
	if !strings.Contains(log.String(), "present, SHA-256 verified") {
		t.Errorf("log does not report the kept file: %s", log.String())
	}
	// One split only.
	other := t.TempDir()
	if err := src.Download(context.Background(), other, DownloadOptions{Mirrors: []string{url}, Split: "test"}); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 1 || entries[0].Name() != "t10k-images-idx3-ubyte.gz" {
		t.Errorf("split test fetched %v", entries)
	}
}

func TestDownloadStalledAndCancelled(t *testing.T) {
	files := map[string][]byte{"train-images-idx3-ubyte.gz": []byte("train"), "t10k-images-idx3-ubyte.gz": []byte("test")}
	release := make(chan struct{})
	defer close(release)
	stall := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("tr"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	url := serve(t, &mirror{files: files, faults: map[string]http.HandlerFunc{"train-images-idx3-ubyte.gz": stall}})
	opt := DownloadOptions{Mirrors: []string{url}, IdleTimeout: 200 * time.Millisecond}
	err := testSource(files).Download(context.Background(), t.TempDir(), opt)
	if err == nil || !strings.Contains(err.Error(), "no data for 200ms") {
		t.Errorf("stalled mirror: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = testSource(files).Download(ctx, t.TempDir(), DownloadOptions{Mirrors: []string{url}})
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("cancelled download: %v", err)
	}
}

// The real MNIST test files, served locally, pass the catalog's checksums and open.
func TestDownloadRealMNISTTest(t *testing.T) {
	needDir(t, mnistDir, "MNIST's test split is in ../shared/datasets")
	files := map[string][]byte{}
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(mnistDir, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	src := *Catalog["mnist"]
	src.Mirrors = nil // never the internet
	dir := t.TempDir()
	err := src.Download(context.Background(), dir, DownloadOptions{Mirrors: []string{serve(t, &mirror{files: files})}, Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := Open(Spec{Name: "mnist", Dir: dir, Split: "test"})
	if err != nil || ds.Len() != 10000 {
		t.Fatalf("downloaded set: %v", err)
	}
}

func TestDownloadArchive(t *testing.T) {
	src := *Catalog["emnist-digits"]
	src.Mirrors = nil
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	member := map[string][]byte{}
	for _, split := range []string{"train", "test"} {
		img, lbl := src.IDXFiles(split)
		member[img] = gzipBytes(encodeIDX([]int{2, 2, 2}, ramp(8)))
		member[lbl] = encodeIDX([]int{2}, []byte{3, 4})
		for _, name := range []string{img, lbl} {
			// Stored, not deflated, so that the test can find and damage a member's bytes.
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: emnistArchiveDir + name, Method: zip.Store})
			w.Write(member[name])
		}
	}
	zw.Close()
	src.Files = []RemoteFile{{"gzip.zip", int64(zipped.Len()), sha(zipped.Bytes()), ""}}
	url := serve(t, &mirror{files: map[string][]byte{"gzip.zip": zipped.Bytes()}})
	dir := t.TempDir()
	if err := src.Download(context.Background(), dir, DownloadOptions{Mirrors: []string{url}, Split: "test"}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %v, want the test split's two files and no archive", entries)
	}
	img, _ := src.IDXFiles("test")
	if got, _ := os.ReadFile(filepath.Join(dir, img)); !bytes.Equal(got, member[img]) {
		t.Error("extracted images differ from the archive's")
	}
	if _, err := Open(Spec{Name: "emnist-digits", Dir: dir, Split: "test"}); err != nil {
		t.Error(err)
	}
	// Once extracted, the split is not fetched again; the other split is.
	m := &mirror{files: map[string][]byte{"gzip.zip": zipped.Bytes()}}
	url = serve(t, m)
	if err := src.Download(context.Background(), dir, DownloadOptions{Mirrors: []string{url}, Split: "test"}); err != nil || m.hits.Load() != 0 {
		t.Errorf("second download of the test split: %v, %d requests", err, m.hits.Load())
	}
	if err := src.Download(context.Background(), dir, DownloadOptions{Mirrors: []string{url}}); err != nil || m.hits.Load() != 1 {
		t.Errorf("download of both splits: %v, %d requests", err, m.hits.Load())
	}

	// A damaged member fails its CRC-32.
	bad := bytes.Clone(zipped.Bytes())
	i := bytes.LastIndex(bad, member[img]) // the test split, written last
	if i < 0 {
		t.Fatal("member not found in the archive")
	}
	bad[i+len(member[img])/2] ^= 0xff
	src.Files = []RemoteFile{{"gzip.zip", int64(len(bad)), sha(bad), ""}}
	url = serve(t, &mirror{files: map[string][]byte{"gzip.zip": bad}})
	err := src.Download(context.Background(), t.TempDir(), DownloadOptions{Mirrors: []string{url}, Split: "test"})
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("damaged member: %v", err)
	}
}

func TestDownloadUnknown(t *testing.T) {
	err := Download(context.Background(), "cifar10", t.TempDir(), DownloadOptions{})
	if err == nil || !strings.Contains(err.Error(), `unknown dataset "cifar10"`) {
		t.Errorf("unknown dataset: %v", err)
	}
}
