package checkpoints

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gogan/internal/atomicfile"
)

// Tensor is one named tensor to write. Build it with [F32], [F64], [I32], [I64] or [U8],
// which tie the data to its element type.
type Tensor struct {
	Name  string
	DType DType
	Shape []int // row-major, outermost first; [] for a scalar
	data  any   // []float32, []float64, []int32, []int64 or []uint8, matching DType
}

// F32 describes a float32 tensor. The slice is not copied: it must not change until Write
// returns.
func F32(name string, shape []int, data []float32) Tensor {
	return Tensor{Name: name, DType: Float32, Shape: shape, data: data}
}

// F64 describes a float64 tensor; the slice is not copied.
func F64(name string, shape []int, data []float64) Tensor {
	return Tensor{Name: name, DType: Float64, Shape: shape, data: data}
}

// I32 describes an int32 tensor; the slice is not copied.
func I32(name string, shape []int, data []int32) Tensor {
	return Tensor{Name: name, DType: Int32, Shape: shape, data: data}
}

// I64 describes an int64 tensor; the slice is not copied.
func I64(name string, shape []int, data []int64) Tensor {
	return Tensor{Name: name, DType: Int64, Shape: shape, data: data}
}

// U8 describes a uint8 tensor; the slice is not copied.
func U8(name string, shape []int, data []uint8) Tensor {
	return Tensor{Name: name, DType: Uint8, Shape: shape, data: data}
}

// metadataKey is the header entry that holds the free-form string map.
const metadataKey = "__metadata__"

// Write atomically replaces path with a safetensors file holding tensors and metadata
// (which may be nil). The output depends only on the set of tensors and the metadata, not
// on their order. Tensors are checked (unique names, shape matching data) before the file
// is touched, and their data is encoded in small chunks rather than copied whole.
func Write(path string, tensors []Tensor, metadata map[string]string) error {
	return writeFile(path, tensors, metadata, nil)
}

// writeFile is Write with a hook that wraps the destination, so that tests can fail the
// write midway as a crash would.
func writeFile(path string, tensors []Tensor, metadata map[string]string, wrap func(io.Writer) io.Writer) error {
	layout, header, err := plan(tensors, metadata)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", path, err)
	}
	return atomicfile.Write(path, 0o644, func(w io.Writer) error {
		if wrap != nil {
			w = wrap(w)
		}
		return emit(w, layout, header)
	})
}

// encode writes the file Write would write to w.
func encode(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	layout, header, err := plan(tensors, metadata)
	if err != nil {
		return err
	}
	return emit(w, layout, header)
}

// plan checks the tensors, orders them as they will be laid out and builds the padded
// header.
func plan(tensors []Tensor, metadata map[string]string) ([]Tensor, []byte, error) {
	layout := slices.Clone(tensors)
	seen := make(map[string]bool, len(layout))
	for _, t := range layout {
		if err := check(t); err != nil {
			return nil, nil, fmt.Errorf("tensor %q: %w", t.Name, err)
		}
		if seen[t.Name] {
			return nil, nil, fmt.Errorf("tensor %q: name used twice", t.Name)
		}
		seen[t.Name] = true
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("metadata %q: not valid UTF-8", k)
		}
	}
	// Widest type first keeps each tensor aligned to its element size, because the data
	// section starts 8-aligned and every earlier tensor's length is a multiple of it.
	slices.SortFunc(layout, func(a, b Tensor) int {
		if r := b.DType.rank() - a.DType.rank(); r != 0 {
			return r
		}
		return strings.Compare(a.Name, b.Name)
	})
	header := buildHeader(layout, metadata)
	if len(header) > maxHeader {
		return nil, nil, fmt.Errorf("header of %d bytes exceeds the format's %d", len(header), maxHeader)
	}
	return layout, header, nil
}

// check verifies that a tensor's name, type, shape and data agree.
func check(t Tensor) error {
	if t.Name == metadataKey {
		return fmt.Errorf("name is reserved for metadata")
	}
	if !utf8.ValidString(t.Name) {
		return fmt.Errorf("name is not valid UTF-8")
	}
	dims := make([]int64, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = int64(d)
	}
	n, err := elements(dims)
	if err != nil {
		return err
	}
	var got int
	var dtype DType
	switch d := t.data.(type) {
	case nil:
		got, dtype = 0, t.DType
	case []float32:
		got, dtype = len(d), Float32
	case []float64:
		got, dtype = len(d), Float64
	case []int32:
		got, dtype = len(d), Int32
	case []int64:
		got, dtype = len(d), Int64
	case []uint8:
		got, dtype = len(d), Uint8
	}
	if dtype != t.DType || !writable(t.DType) {
		return fmt.Errorf("dtype %q does not match its data; build tensors with F32, F64, I32, I64 or U8", t.DType)
	}
	if int64(got) != n {
		return fmt.Errorf("shape %v holds %d values, data has %d", t.Shape, n, got)
	}
	return nil
}

func writable(d DType) bool {
	switch d {
	case Float32, Float64, Int32, Int64, Uint8:
		return true
	}
	return false
}

// buildHeader writes the JSON header with the key order the reference implementation uses
// (metadata first, sorted; then tensors in layout order; in each, dtype, shape,
// data_offsets) and pads it with spaces to a multiple of 8 bytes.
func buildHeader(layout []Tensor, metadata map[string]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(metadata) > 0 {
		writeString(&b, metadataKey)
		b.WriteString(":{")
		keys := make([]string, 0, len(metadata))
		for k := range metadata {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(&b, k)
			b.WriteByte(':')
			writeString(&b, metadata[k])
		}
		b.WriteByte('}')
	}
	var offset int64
	for i, t := range layout {
		if i > 0 || len(metadata) > 0 {
			b.WriteByte(',')
		}
		writeString(&b, t.Name)
		b.WriteString(`:{"dtype":`)
		writeString(&b, string(t.DType))
		b.WriteString(`,"shape":[`)
		n := int64(1)
		for j, d := range t.Shape {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(d))
			n *= int64(d)
		}
		end := offset + n*int64(t.DType.Size())
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// writeString writes s as a JSON string. HTML characters stay as they are, as in the
// reference implementation's output.
func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // cannot fail for a string, which was checked to be valid UTF-8
	b.Truncate(b.Len() - 1)
}

// chunkBytes bounds the encoding buffer, so that writing costs no copy of the checkpoint.
const chunkBytes = 64 << 10

// emit writes the length prefix, the header and the tensors' data in layout order.
func emit(w io.Writer, layout []Tensor, header []byte) error {
	bw := bufio.NewWriterSize(w, chunkBytes)
	var prefix [8]byte
	binary.LittleEndian.PutUint64(prefix[:], uint64(len(header)))
	bw.Write(prefix[:])
	bw.Write(header)
	buf := make([]byte, 0, chunkBytes)
	for _, t := range layout {
		var err error
		switch d := t.data.(type) {
		case []float32:
			err = emitChunks(bw, buf, d)
		case []float64:
			err = emitChunks(bw, buf, d)
		case []int32:
			err = emitChunks(bw, buf, d)
		case []int64:
			err = emitChunks(bw, buf, d)
		case []uint8:
			_, err = bw.Write(d)
		}
		if err != nil {
			return fmt.Errorf("tensor %q: %w", t.Name, err)
		}
	}
	return bw.Flush()
}

func emitChunks[T float32 | float64 | int32 | int64](w io.Writer, buf []byte, data []T) error {
	var zero T
	per := cap(buf) / binary.Size(zero)
	for i := 0; i < len(data); i += per {
		j := min(i+per, len(data))
		var err error
		if buf, err = binary.Append(buf[:0], binary.LittleEndian, data[i:j]); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
