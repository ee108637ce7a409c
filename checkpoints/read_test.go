package checkpoints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// build makes a file from a header and data, with the header length set to match.
func build(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

// withLength makes a file whose header length field says n, whatever follows.
func withLength(n uint64, rest string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
}

type brokenFile struct {
	name string
	file []byte
	want string // part of the error
}

// brokenFiles lists one file for each way a safetensors file can be wrong.
func brokenFiles() []brokenFile {
	f32 := func(shape, offsets string) string {
		return `{"w":{"dtype":"F32","shape":` + shape + `,"data_offsets":` + offsets + `}}`
	}
	twelve := make([]byte, 12)
	valid := build(f32("[3]", "[0,12]"), twelve)
	return []brokenFile{
		{"empty file", nil, "too short"},
		{"seven bytes", []byte{1, 0, 0, 0, 0, 0, 0}, "too short"},
		{"header length beyond the file", withLength(1000, `{}`), "header length 1000 beyond the file's 10 bytes"},
		{"header length 2^63", withLength(1<<63, `{}`), "exceeds the format's limit"},
		{"header length 2^64-1", withLength(^uint64(0), `{}`), "exceeds the format's limit"},
		{"header length just over the limit", withLength(maxHeader+1, `{}`), "exceeds"},
		{"empty header", withLength(0, ""), "does not start with '{'"},
		{"header not starting with {", build(` {}`, nil), "does not start with '{'"},
		{"not JSON", build(`{"w": nope}`, nil), "not valid JSON"},
		{"JSON cut short", build(`{"w":{"dtype":"F32"`, nil), "ends inside a value"},
		{"two JSON values", build(`{} {}`, nil), "more than one JSON value"},
		{"invalid UTF-8", build("{\"w\xff\":{}}", nil), "UTF-8"},
		{"truncated data", valid[:len(valid)-1], `tensor "w": data_offsets [0, 12] beyond the file's 11 data bytes`},
		{"offsets beyond the file", build(f32("[24999999]", "[0,99999999]"), twelve), "beyond the file's 12 data bytes"},
		{"offsets end before begin", build(f32("[0]", "[12,0]"), twelve), "end before they begin"},
		{"offsets too large for int64", build(f32("[3]", "[0,99999999999999999999]"), twelve), "too large"},
		{"three offsets", build(f32("[3]", "[0,12,12]"), twelve), "more than 2 numbers"},
		{"one offset", build(f32("[3]", "[0]"), twelve), "data_offsets [0] is not a [begin, end] pair"},
		{"overlapping offsets", build(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},`+
			`"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, twelve), `tensor "b": data_offsets [4, 12] overlap tensor "a"`},
		{"gap between tensors", build(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},`+
			`"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, twelve), "leave data bytes [4, 8) unused"},
		{"data left over", build(f32("[2]", "[0,8]"), twelve), "tensors cover 8 of the file's 12 data bytes"},
		{"data not at 0", build(f32("[2]", "[4,12]"), twelve), "unused"},
		{"shape product overflows", build(f32("[1099511627776,1099511627776]", "[0,12]"), twelve), "more elements than an int64"},
		{"overflow hidden by a zero", build(f32("[0,1099511627776,1099511627776]", "[0,0]"), nil), "more elements than an int64"},
		{"byte count overflows", build(f32("[2305843009213693952]", "[0,12]"), twelve), "needs 2305843009213693952×4 bytes"},
		{"negative dimension", build(f32("[-3]", "[0,12]"), twelve), "shape holds -3, which is negative"},
		{"fractional dimension", build(f32("[1.5]", "[0,12]"), twelve), "not an integer"},
		{"dimension as a string", build(f32(`["3"]`, "[0,12]"), twelve), "a string, not an integer"},
		{"shape not an array", build(f32(`3`, "[0,12]"), twelve), "shape is not an array"},
		{"rank over 64", build(f32("["+strings.Repeat("1,", 64)+"1]", "[0,4]"), twelve[:4]), "more than 64 numbers"},
		{"shape disagrees with offsets", build(f32("[2]", "[0,12]"), twelve), "shape [2] of F32 needs 8 bytes, data_offsets [0, 12] hold 12"},
		{"unknown dtype", build(`{"w":{"dtype":"F33","shape":[3],"data_offsets":[0,12]}}`, twelve), `unknown dtype "F33"`},
		{"dtype not a string", build(`{"w":{"dtype":4,"shape":[3],"data_offsets":[0,12]}}`, twelve), "dtype is a number"},
		{"no dtype", build(`{"w":{"shape":[3],"data_offsets":[0,12]}}`, twelve), "no dtype"},
		{"no shape", build(`{"w":{"dtype":"F32","data_offsets":[0,12]}}`, twelve), "no shape"},
		{"no offsets", build(`{"w":{"dtype":"F32","shape":[3]}}`, twelve), "no data_offsets"},
		{"unknown field", build(`{"w":{"dtype":"F32","shape":[3],"offsets":[0,12]}}`, twelve), `unknown field "offsets"`},
		{"field twice", build(`{"w":{"dtype":"F32","dtype":"F32","shape":[3],"data_offsets":[0,12]}}`, twelve), `key "dtype" twice`},
		{"duplicate names", build(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},`+
			`"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}`, twelve), `key "w" twice`},
		{"entry not an object", build(`{"w":[1,2]}`, nil), "not a JSON object"},
		{"metadata value not a string", build(`{"__metadata__":{"step":12}}`, nil), `__metadata__ "step" is a number, not a string`},
		{"metadata value an object", build(`{"__metadata__":{"a":{"b":"c"}}}`, nil), "is an object, not a string"},
		{"metadata an array", build(`{"__metadata__":["a"]}`, nil), "__metadata__ is an array, not an object"},
		{"metadata twice", build(`{"__metadata__":{},"__metadata__":{}}`, nil), "twice"},
	}
}

func TestBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	for _, c := range brokenFiles() {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(c.file), int64(len(c.file)))
			checkFormatError(t, err, "safetensors: ", c.want)

			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".safetensors")
			if err := os.WriteFile(path, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = Read(path)
			checkFormatError(t, err, "checkpoint "+path+": ", c.want)
		})
	}
}

func checkFormatError(t *testing.T, err error, prefix, want string) {
	t.Helper()
	var fe *FormatError
	switch {
	case err == nil:
		t.Fatalf("no error, want one saying %q", want)
	case !errors.As(err, &fe):
		t.Fatalf("error %q is a %T, not a *FormatError", err, err)
	case !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), want):
		t.Fatalf("error %q, want one starting %q and saying %q", err, prefix, want)
	case strings.Contains(err.Error(), "\n"):
		t.Fatalf("error %q spans lines", err)
	}
}

// TestBrokenFilesAllocateLittle checks that what a header claims never sizes an allocation:
// parsing each broken file costs at most a small multiple of its size.
func TestBrokenFilesAllocateLittle(t *testing.T) {
	for _, c := range brokenFiles() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		Parse(bytes.NewReader(c.file), int64(len(c.file)))
		runtime.ReadMemStats(&after)
		if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(64<<10+16*len(c.file)); got > limit {
			t.Errorf("%s: parsing %d bytes allocated %d bytes, limit %d", c.name, len(c.file), got, limit)
		}
	}
}

func TestValidEdgeCases(t *testing.T) {
	twelve := make([]byte, 12)
	cases := []struct {
		name string
		file []byte
	}{
		{"no tensors", build(`{}`, nil)},
		{"padded with spaces", build(`{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}      `, twelve)},
		{"whitespace inside", build("{ \"w\" : {\"shape\": [ 3 ],\n\t\"data_offsets\": [0, 12], \"dtype\": \"F32\"} }", twelve)},
		{"entries out of offset order", build(`{"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]},`+
			`"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, twelve)},
		{"empty tensors anywhere", build(`{"e1":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`+
			`"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},`+
			`"e2":{"dtype":"F64","shape":[4,0],"data_offsets":[12,12]}}`, twelve)},
		{"null metadata", build(`{"__metadata__":null}`, nil)},
		{"other dtypes", build(`{"h":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},`+
			`"b":{"dtype":"BOOL","shape":[4],"data_offsets":[8,12]}}`, twelve)},
		{"minus zero dimension", build(`{"w":{"dtype":"F32","shape":[-0],"data_offsets":[0,0]}}`, nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse(bytes.NewReader(c.file), int64(len(c.file))); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestAccessorErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acc.safetensors")
	if err := Write(path, sampleTensors(), nil); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.F32("gen.0.weight", 2, 3, 4); err != nil {
		t.Fatalf("right shape refused: %v", err)
	}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"wrong shape", second(f.F32("gen.0.weight", 4, 3, 2)), `tensor "gen.0.weight": shape [2, 3, 4], want [4, 3, 2]`},
		{"wrong rank", second(f.F32("gen.0.weight", 24)), `shape [2, 3, 4], want [24]`},
		{"wrong dtype", second(f.I64("gen.0.weight")), `tensor "gen.0.weight": dtype F32, want I64`},
		{"I64 as F64", second(f.F64("step")), `dtype I64, want F64`},
		{"missing", second(f.F32("nope")), `no tensor "nope"`},
	}
	for _, c := range cases {
		if c.err == nil || !strings.HasPrefix(c.err.Error(), "checkpoint "+path+": ") || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and saying %q", c.name, c.err, c.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

// countingReader records how many bytes were read through it.
type countingReader struct {
	r *bytes.Reader
	n int
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += n
	return n, err
}

func TestParseReadsDataOnDemand(t *testing.T) {
	var buf bytes.Buffer
	tensors := sampleTensors()
	if err := encode(&buf, tensors, nil); err != nil {
		t.Fatal(err)
	}
	header := int(8 + binary.LittleEndian.Uint64(buf.Bytes()))
	r := &countingReader{r: bytes.NewReader(buf.Bytes())}
	f, err := Parse(r, int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if r.n != header {
		t.Errorf("Parse read %d bytes, want only the %d of the header", r.n, header)
	}
	checkTensor(t, f, tensors[0])
	if want := header + 24*4; r.n != want {
		t.Errorf("after reading one tensor %d bytes were read, want %d", r.n, want)
	}
}

// A reader shorter than the size its caller claims fails when the data is read.
func TestParseShortReader(t *testing.T) {
	var buf bytes.Buffer
	if err := encode(&buf, []Tensor{F32("w", []int{4}, f32Values(4))}, nil); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	f, err := Parse(bytes.NewReader(b[:len(b)-4]), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.F32("w")
	checkFormatError(t, err, "safetensors: ", `tensor "w" truncated`)
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.safetensors")
	if _, err := Read(missing); err == nil || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: error %v, want one that is os.ErrNotExist and names the file", err)
	}
	_, err := Read(dir)
	checkFormatError(t, err, "checkpoint "+dir+": ", "not a regular file")
}
