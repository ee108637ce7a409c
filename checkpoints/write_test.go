package checkpoints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Test values come from bit patterns, so that NaNs with payloads, infinities, signed zeros
// and subnormals all occur; the Python interop test builds the same patterns.
func bits32(i int) uint32 { return uint32(uint64(i)*2654435761 + 12345) }
func bits64(i int) uint64 { return uint64(i)*0x9E3779B97F4A7C15 + 1 }

func f32Values(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(bits32(i))
	}
	return v
}

func f64Values(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(bits64(i))
	}
	return v
}

func i32Values(n int) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(bits32(i))
	}
	return v
}

func i64Values(n int) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(bits64(i))
	}
	return v
}

func u8Values(n int) []uint8 {
	v := make([]uint8, n)
	for i := range v {
		v[i] = uint8(i*37 + 11)
	}
	return v
}

// sampleTensors holds every writable dtype, a scalar and an empty tensor.
func sampleTensors() []Tensor {
	return []Tensor{
		F32("gen.0.weight", []int{2, 3, 4}, f32Values(24)),
		F64("stats.loss", []int{3, 5}, f64Values(15)),
		I64("step", []int{7}, i64Values(7)),
		I32("labels", []int{2, 2}, i32Values(4)),
		U8("mask", []int{16, 16}, u8Values(256)),
		F32("scalar", []int{}, f32Values(1)),
		F32("empty", []int{0, 3}, nil),
	}
}

// f32Bits compares float slices bit for bit, so that NaNs compare equal to themselves.
func f32Bits(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, x := range v {
		b[i] = math.Float32bits(x)
	}
	return b
}

func f64Bits(v []float64) []uint64 {
	b := make([]uint64, len(v))
	for i, x := range v {
		b[i] = math.Float64bits(x)
	}
	return b
}

// checkTensor reads want's tensor from f and compares shape, dtype and bits.
func checkTensor(t *testing.T, f *File, want Tensor) {
	t.Helper()
	info, ok := f.Info(want.Name)
	if !ok {
		t.Fatalf("tensor %q missing; file has %v", want.Name, f.Names())
	}
	if info.DType != want.DType || !slices.Equal(info.Shape, want.Shape) {
		t.Fatalf("tensor %q: got %s %v, want %s %v", want.Name, info.DType, info.Shape, want.DType, want.Shape)
	}
	var err error
	var same bool
	switch d := want.data.(type) {
	case []float32:
		var got []float32
		got, err = f.F32(want.Name, want.Shape...)
		same = slices.Equal(f32Bits(got), f32Bits(d))
	case []float64:
		var got []float64
		got, err = f.F64(want.Name, want.Shape...)
		same = slices.Equal(f64Bits(got), f64Bits(d))
	case []int32:
		var got []int32
		got, err = f.I32(want.Name, want.Shape...)
		same = slices.Equal(got, d)
	case []int64:
		var got []int64
		got, err = f.I64(want.Name, want.Shape...)
		same = slices.Equal(got, d)
	case []uint8:
		var got []uint8
		got, err = f.U8(want.Name, want.Shape...)
		same = slices.Equal(got, d)
	}
	if err != nil {
		t.Fatal(err)
	}
	if !same {
		t.Fatalf("tensor %q: values differ after the round trip", want.Name)
	}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rt.safetensors")
	tensors := sampleTensors()
	meta := map[string]string{"step": "1200", "note": "ünïcode ✓ \"quoted\" <b>&"}
	if err := Write(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range tensors {
		t.Run(want.Name, func(t *testing.T) { checkTensor(t, f, want) })
	}
	if len(f.Names()) != len(tensors) {
		t.Errorf("file has %d tensors %v, wrote %d", len(f.Names()), f.Names(), len(tensors))
	}
	got := f.Metadata()
	if len(got) != len(meta) || got["step"] != meta["step"] || got["note"] != meta["note"] {
		t.Errorf("metadata %q, want %q", got, meta)
	}
}

// TestRoundTripLarge covers tensors that span many encoding and decoding chunks, with
// lengths that are not multiples of a chunk.
func TestRoundTripLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "large.safetensors")
	tensors := []Tensor{
		F32("f32", []int{3, 33337}, f32Values(3*33337)),
		I64("i64", []int{50021}, i64Values(50021)),
		U8("u8", []int{200003}, u8Values(200003)),
	}
	if err := Write(path, tensors, nil); err != nil {
		t.Fatal(err)
	}
	f, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range tensors {
		checkTensor(t, f, want)
	}
}

// TestReferenceBytes compares Write's output with the bytes the reference implementation's
// own tests expect for the same input (safetensors/src/tensor.rs: test_serialization,
// test_serialization_forced_alignement, test_empty).
func TestReferenceBytes(t *testing.T) {
	six := []float32{0, 1, 2, 3, 4, 5}
	le := func(v []float32) []byte {
		b, _ := binary.Append(nil, binary.LittleEndian, v)
		return b
	}
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		header  string
		data    []byte
	}{
		{"aligned", []Tensor{F32("attn.0", []int{1, 2, 3}, six)}, nil,
			`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, le(six)},
		{"padded", []Tensor{F32("attn0", []int{1, 1, 2, 3}, six)}, nil,
			`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `, le(six)},
		{"empty", nil, nil, `{}      `, nil},
		{"metadata", nil, map[string]string{"framework": "pt"},
			`{"__metadata__":{"framework":"pt"}}     `, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := binary.LittleEndian.AppendUint64(nil, uint64(len(c.header)))
			want = append(append(want, c.header...), c.data...)
			var got bytes.Buffer
			if err := encode(&got, c.tensors, c.meta); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("got\n%q\nwant\n%q", got.Bytes(), want)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	dir := t.TempDir()
	tensors := sampleTensors()
	a, b := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	metaA := map[string]string{"z": "1", "a": "2", "m": "3"}
	metaB := map[string]string{}
	for _, k := range []string{"m", "a", "z"} {
		metaB[k] = metaA[k]
	}
	reversed := slices.Clone(tensors)
	slices.Reverse(reversed)
	if err := Write(a, tensors, metaA); err != nil {
		t.Fatal(err)
	}
	if err := Write(b, reversed, metaB); err != nil {
		t.Fatal(err)
	}
	ba, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ba, bb) {
		t.Fatalf("same tensors in another order give different bytes (%d and %d bytes)", len(ba), len(bb))
	}
	n := binary.LittleEndian.Uint64(ba)
	if (8+n)%8 != 0 {
		t.Errorf("data section starts at byte %d, not 8-aligned", 8+n)
	}
	f, err := Parse(bytes.NewReader(ba), int64(len(ba)))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.tensors {
		if e.begin%int64(e.dtype.Size()) != 0 {
			t.Errorf("tensor %q (%s) starts at data byte %d, not aligned", e.name, e.dtype, e.begin)
		}
	}
}

func TestWriteRefusesBadTensors(t *testing.T) {
	cases := []struct {
		name    string
		tensors []Tensor
		meta    map[string]string
		want    string
	}{
		{"short data", []Tensor{F32("w", []int{2, 3}, make([]float32, 5))}, nil, "holds 6 values, data has 5"},
		{"negative dim", []Tensor{F32("w", []int{-1}, nil)}, nil, "negative"},
		{"overflow", []Tensor{U8("w", []int{1 << 30, 1 << 30, 1 << 30}, nil)}, nil, "more elements"},
		{"duplicate", []Tensor{U8("w", nil, []uint8{1}), U8("w", nil, []uint8{2})}, nil, "twice"},
		{"reserved name", []Tensor{U8(metadataKey, nil, []uint8{1})}, nil, "reserved"},
		{"dtype mismatch", []Tensor{{Name: "w", DType: Float64, Shape: []int{1}, data: []float32{1}}}, nil, "does not match"},
		{"unknown dtype", []Tensor{{Name: "w", DType: "BF16", Shape: []int{0}}}, nil, "does not match"},
		{"bad utf-8 name", []Tensor{U8("w\xff", nil, []uint8{1})}, nil, "UTF-8"},
		{"bad utf-8 metadata", nil, map[string]string{"k": "\xfe"}, "UTF-8"},
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "keep.safetensors")
	if err := Write(path, sampleTensors(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Write(path, c.tensors, c.meta)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got error %v, want one naming %s and saying %q", err, path, c.want)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Fatal("a refused write changed the file")
			}
		})
	}
	checkOnlyFile(t, dir, "keep.safetensors")
}

// failAfter passes n bytes through, then fails as a full disk or a crash would.
type failAfter struct {
	w io.Writer
	n int
}

var errInjected = errors.New("injected failure")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n, _ := f.w.Write(p[:f.n])
		f.n = 0
		return n, errInjected
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func TestFailedWriteKeepsPreviousFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt.safetensors")
	if err := Write(path, sampleTensors(), map[string]string{"step": "1"}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	big := []Tensor{F32("big", []int{1 << 20}, make([]float32, 1<<20))}
	err := writeFile(path, big, nil, func(w io.Writer) io.Writer { return &failAfter{w, 1 << 20} })
	if !errors.Is(err, errInjected) {
		t.Fatalf("got %v, want the injected failure", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a write that failed midway changed the file")
	}
	checkOnlyFile(t, dir, "ckpt.safetensors")
	if _, err := Read(path); err != nil {
		t.Fatalf("previous file no longer reads: %v", err)
	}
}

// checkOnlyFile fails unless dir holds exactly name: no temporary file was left behind.
func checkOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("directory holds %v, want only %s", names, name)
	}
}

func BenchmarkWrite(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	tensors := []Tensor{F32("w", []int{4 << 20}, f32Values(4<<20))}
	b.SetBytes(16 << 20)
	for b.Loop() {
		if err := Write(path, tensors, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.safetensors")
	if err := Write(path, []Tensor{F32("w", []int{4 << 20}, f32Values(4<<20))}, nil); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(16 << 20)
	for b.Loop() {
		f, err := Read(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.F32("w"); err != nil {
			b.Fatal(err)
		}
	}
}
