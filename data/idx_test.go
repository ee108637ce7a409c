package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// encodeIDX writes an unsigned-byte IDX file with the given dimensions and data, which need
// not agree, so that tests can build damaged files too.
func encodeIDX(dims []int, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, idxTypeUByte, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, uint32(d))
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	return b.Bytes()
}

// ramp is n bytes counting up from 0, wrapping at 256.
func ramp(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func writeTemp(t *testing.T, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadIDXValid(t *testing.T) {
	images := encodeIDX([]int{3, 2, 4}, ramp(24))
	labels := encodeIDX([]int{5}, []byte{4, 3, 2, 1, 0})
	tests := []struct {
		name     string
		content  []byte
		wantDims []int
		wantData []byte
	}{
		{"raw images", images, []int{3, 2, 4}, ramp(24)},
		{"gzip images", gzipBytes(images), []int{3, 2, 4}, ramp(24)},
		{"raw labels", labels, []int{5}, []byte{4, 3, 2, 1, 0}},
		{"gzip labels named .raw", gzipBytes(labels), []int{5}, []byte{4, 3, 2, 1, 0}},
		{"empty set", encodeIDX([]int{0, 28, 28}, nil), []int{0, 28, 28}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := ReadIDX(writeTemp(t, "file.raw", tc.content))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(idx.Dims, tc.wantDims) {
				t.Errorf("dims %v, want %v", idx.Dims, tc.wantDims)
			}
			if !bytes.Equal(idx.Data, tc.wantData) {
				t.Errorf("data %v, want %v", idx.Data, tc.wantData)
			}
		})
	}
}

func TestReadIDXBadInput(t *testing.T) {
	good := encodeIDX([]int{2, 3, 3}, ramp(18))
	gz := gzipBytes(good)
	corrupt := append([]byte(nil), gz...)
	for i := 12; i < len(corrupt)-8; i++ {
		corrupt[i] ^= 0x55 // damage the deflate data, keep the gzip header
	}
	badCRC := append([]byte(nil), gz...)
	badCRC[len(badCRC)-8] ^= 0xff
	tests := []struct {
		name    string
		content []byte
		want    string
	}{
		{"empty file", nil, "truncated IDX magic number"},
		{"wrong magic", append([]byte{0x12, 0x34}, good[2:]...), "not an IDX file: magic number 0x12340803"},
		{"float data", append([]byte{0, 0, 0x0d, 3}, good[4:]...), "0x0d (float32) is not supported"},
		{"unknown type", append([]byte{0, 0, 0x42, 3}, good[4:]...), "unknown data type 0x42"},
		{"no dimensions", []byte{0, 0, 8, 0}, "declares 0 dimensions"},
		{"too many dimensions", append([]byte{0, 0, 8, 9}, good[4:]...), "declares 9 dimensions"},
		{"header cut", good[:9], "truncated IDX header"},
		{"truncated raw", good[:len(good)-1], "truncated: header declares 2×3×3 = 18 bytes of data, file holds 17"},
		{"trailing raw", append(append([]byte(nil), good...), 0), "trailing data"},
		{"huge claim raw", encodeIDX([]int{1_000_000_000, 28, 28}, ramp(1000)), "truncated: header declares 1000000000×28×28 = more than"},
		{"dims overflow", encodeIDX([]int{1 << 31, 1 << 31, 1 << 31, 1 << 31}, nil), "more than 20 bytes of data, file holds 0"},
		{"truncated gzip stream", gz[:len(gz)/2], "corrupt gzip"},
		{"corrupt gzip", corrupt, "corrupt gzip"},
		{"gzip checksum", badCRC, "corrupt gzip: gzip: invalid checksum"},
		{"gzip header only", gz[:5], "corrupt gzip"},
		{"short payload in gzip", gzipBytes(good[:len(good)-2]), "truncated: header declares 2×3×3 = 18 bytes of data, gzip stream holds 16"},
		{"trailing in gzip", gzipBytes(append(append([]byte(nil), good...), 1)), "trailing data"},
		{"huge claim gzip", gzipBytes(encodeIDX([]int{1_000_000_000, 28, 28}, ramp(1000))), "more than a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeTemp(t, "bad-idx3-ubyte.gz", tc.content)
			_, err := ReadIDX(path)
			if err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line naming %s and containing %q", msg, path, tc.want)
			}
		})
	}
}

// A header that claims a billion images must fail without allocating for them.
func TestReadIDXHugeClaimAllocatesLittle(t *testing.T) {
	for _, gz := range []bool{false, true} {
		content := encodeIDX([]int{1_000_000_000, 28, 28}, ramp(1000))
		if gz {
			content = gzipBytes(content)
		}
		path := writeTemp(t, "huge", content)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := ReadIDX(path); err == nil {
			t.Fatal("no error for a header claiming 784 GB")
		}
		runtime.ReadMemStats(&after)
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
			t.Errorf("gzip=%v: allocated %d bytes for a %d-byte file", gz, grew, len(content))
		}
	}
}

func TestReadIDXRankChecks(t *testing.T) {
	labels := writeTemp(t, "labels", encodeIDX([]int{4}, ramp(4)))
	images := writeTemp(t, "images", encodeIDX([]int{1, 2, 2}, ramp(4)))
	flat := writeTemp(t, "flat", encodeIDX([]int{1, 0, 2}, nil))
	if _, err := readIDXImages(labels); err == nil || !strings.Contains(err.Error(), "wrong dimensions 4 for images") {
		t.Errorf("labels read as images: %v", err)
	}
	if _, err := readIDXLabels(images); err == nil || !strings.Contains(err.Error(), "wrong dimensions 1×2×2 for labels") {
		t.Errorf("images read as labels: %v", err)
	}
	if _, err := readIDXImages(flat); err == nil || !strings.Contains(err.Error(), "H, W > 0") {
		t.Errorf("images of height 0: %v", err)
	}
	if _, err := ReadIDX(filepath.Join(t.TempDir(), "absent")); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("missing file: %v", err)
	}
}
