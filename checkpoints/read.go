package checkpoints

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"

	"gogan/internal/plainfile"
)

// FormatError reports a file that breaks the safetensors format.
type FormatError struct {
	Path    string // the file, or "" when parsed from a reader
	Problem string // one line: the tensor, if any, and what is wrong
}

func (e *FormatError) Error() string {
	return where(e.Path) + ": " + e.Problem
}

// where names the source of a file in error messages.
func where(path string) string {
	if path == "" {
		return "safetensors"
	}
	return "checkpoint " + path
}

// File is a parsed, validated safetensors file. Its methods are safe for concurrent use.
type File struct {
	path     string
	tensors  map[string]entry
	metadata map[string]string
	data     io.ReaderAt // holds the data section at offset base
	base     int64
}

// Info describes one tensor of a File.
type Info struct {
	DType DType
	Shape []int
}

// Read reads and validates the safetensors file at path. The File keeps the data section
// in memory (the file is closed on return); the header is validated before that memory is
// allocated.
func Read(path string) (*File, error) {
	// Told before opening: opening a FIFO waits for a writer, maybe for ever.
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		return nil, &FormatError{path, plainfile.Kind(st.Mode()) + ", not a regular file"}
	}
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read checkpoint: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, &FormatError{path, "not a regular file"}
	}
	file, err := parse(f, st.Size(), path)
	if err != nil {
		return nil, err
	}
	data := make([]byte, st.Size()-file.base)
	if err := readAt(f, data, file.base, path, "data"); err != nil {
		return nil, err
	}
	file.data, file.base = bytes.NewReader(data), 0
	return file, nil
}

// Parse validates the safetensors file of size bytes that r holds. Only the header is read
// now; tensor data is read from r when asked for, so r must stay readable while the File is
// in use. Errors do not name a file: the caller knows what r is.
func Parse(r io.ReaderAt, size int64) (*File, error) {
	return parse(r, size, "")
}

func parse(r io.ReaderAt, size int64, path string) (*File, error) {
	fail := func(format string, args ...any) (*File, error) {
		return nil, &FormatError{path, fmt.Sprintf(format, args...)}
	}
	if size < 8 {
		return fail("file is %d bytes, too short for the 8-byte header length", size)
	}
	var prefix [8]byte
	if err := readAt(r, prefix[:], 0, path, "header length"); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(prefix[:])
	// A file of another kind (a config.json given by mistake) fails here first: say that
	// before the number its first bytes make.
	if n > maxHeader {
		return fail("not a safetensors file: its header length %d exceeds the format's limit of %d bytes", n, maxHeader)
	}
	if n > uint64(size-8) {
		return fail("not a safetensors file: its header length %d beyond the file's %d bytes", n, size)
	}
	header := make([]byte, n)
	if err := readAt(r, header, 8, path, "header"); err != nil {
		return nil, err
	}
	base := 8 + int64(n)
	entries, metadata, err := parseHeader(header, size-base)
	if err != nil {
		return fail("%s", err)
	}
	return &File{path: path, tensors: entries, metadata: metadata, data: r, base: base}, nil
}

// readAt fills b from r at off; a short read means the file is shorter than it claims.
func readAt(r io.ReaderAt, b []byte, off int64, path, what string) error {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &FormatError{path, fmt.Sprintf("%s truncated: file ends at byte %d", what, off+int64(n))}
	}
	return fmt.Errorf("%s: read %s: %w", where(path), what, err)
}

// Names lists the tensors in the file, sorted.
func (f *File) Names() []string {
	return slices.Sorted(maps.Keys(f.tensors))
}

// Metadata is a copy of the file's "__metadata__" map, empty if it has none.
func (f *File) Metadata() map[string]string {
	m := make(map[string]string, len(f.metadata))
	maps.Copy(m, f.metadata)
	return m
}

// Info describes the named tensor; ok is false if the file has no such tensor.
func (f *File) Info(name string) (info Info, ok bool) {
	e, ok := f.tensors[name]
	if !ok {
		return Info{}, false
	}
	return Info{DType: e.dtype, Shape: slices.Clone(e.shape)}, true
}

// F32 reads a float32 tensor. With wantShape, a tensor of another shape is an error; a
// tensor of another element type always is.
func (f *File) F32(name string, wantShape ...int) ([]float32, error) {
	return load[float32](f, name, Float32, wantShape)
}

// F64 reads a float64 tensor, checked as F32 is.
func (f *File) F64(name string, wantShape ...int) ([]float64, error) {
	return load[float64](f, name, Float64, wantShape)
}

// I32 reads an int32 tensor, checked as F32 is.
func (f *File) I32(name string, wantShape ...int) ([]int32, error) {
	return load[int32](f, name, Int32, wantShape)
}

// I64 reads an int64 tensor, checked as F32 is.
func (f *File) I64(name string, wantShape ...int) ([]int64, error) {
	return load[int64](f, name, Int64, wantShape)
}

// U8 reads a uint8 tensor, checked as F32 is.
func (f *File) U8(name string, wantShape ...int) ([]uint8, error) {
	return load[uint8](f, name, Uint8, wantShape)
}

// load decodes a tensor through a small buffer, so that it costs the result and no more.
func load[T float32 | float64 | int32 | int64 | uint8](f *File, name string, dtype DType, want []int) ([]T, error) {
	e, ok := f.tensors[name]
	switch {
	case !ok:
		return nil, fmt.Errorf("%s: no tensor %q", where(f.path), name)
	case e.dtype != dtype:
		return nil, fmt.Errorf("%s: tensor %q: dtype %s, want %s", where(f.path), name, e.dtype, dtype)
	case len(want) > 0 && !slices.Equal(e.shape, want):
		return nil, fmt.Errorf("%s: tensor %q: shape %s, want %s", where(f.path), name, shapeString(e.shape), shapeString(want))
	}
	size := int64(dtype.Size())
	out := make([]T, (e.end-e.begin)/size)
	buf := make([]byte, min(chunkBytes, e.end-e.begin))
	per := int64(len(buf)) / size
	for i := int64(0); i < int64(len(out)); i += per {
		j := min(i+per, int64(len(out)))
		b := buf[:(j-i)*size]
		if err := readAt(f.data, b, f.base+e.begin+i*size, f.path, fmt.Sprintf("tensor %q", name)); err != nil {
			return nil, err
		}
		if _, err := binary.Decode(b, binary.LittleEndian, out[i:j]); err != nil {
			panic(fmt.Sprintf("decode %d bytes into %d values: %v", len(b), j-i, err)) // sizes agree by construction
		}
	}
	return out, nil
}

func shapeString(shape []int) string {
	v := make([]int64, len(shape))
	for i, d := range shape {
		v[i] = int64(d)
	}
	return ints(v)
}
