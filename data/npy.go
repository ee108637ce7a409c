package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gogan/internal/plainfile"
)

// NPY is an array read from a NumPy .npy file: its shape and its values in C order, either
// float32 ('<f4') or bytes ('|u1').
type NPY struct {
	Shape   []int
	Float32 []float32 // the values of a float32 file; nil for a byte one
	Uint8   []byte    // the values of a byte file; nil for a float32 one
}

// ReadNPY reads a .npy file (format versions 1 to 3) of float32 or byte values in C order.
// The file is untrusted: the shape is checked against the file's size before the values
// are allocated, and every failure is one error naming the file.
func ReadNPY(path string) (*NPY, error) {
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read .npy: %w", err) // the error names the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read .npy: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("read %s: a folder, not an .npy file", path)
	}
	a, err := decodeNPY(bufio.NewReader(f), st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return a, nil
}

const npyMagic = "\x93NUMPY"

var (
	npyDescr   = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// decodeNPY reads a .npy stream of size bytes. The header is parsed here rather than by
// github.com/sbinet/npyio or gorgonia's tensor.ReadNpy because those parsers slice with
// unchecked indices and panic on damaged headers, and allocate what a hostile shape asks.
func decodeNPY(r io.Reader, size int64) (*NPY, error) {
	descr, shape, headerEnd, err := readNPYHeader(r, size)
	if err != nil {
		return nil, err
	}
	elem := int64(4)
	if descr == "u1" {
		elem = 1
	}
	want := elem
	for _, d := range shape {
		if want > size/int64(d) { // also keeps hostile shapes from overflowing
			return nil, fmt.Errorf(".npy shape %v needs more bytes than the %d-byte file holds", shape, size)
		}
		want *= int64(d)
	}
	if got := size - headerEnd; got != want {
		return nil, fmt.Errorf(".npy shape %v needs %d bytes of data, file holds %d", shape, want, got)
	}
	raw := make([]byte, want)
	if err := readFull(r, raw, ".npy data"); err != nil {
		return nil, err
	}
	if descr == "u1" {
		return &NPY{Shape: shape, Uint8: raw}, nil
	}
	values := make([]float32, want/elem)
	for i := range values {
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	return &NPY{Shape: shape, Float32: values}, nil
}

// readNPYHeader reads the preamble and header of a .npy stream of size bytes and returns the
// element type, the shape and the offset where the data starts.
func readNPYHeader(r io.Reader, size int64) (descr string, shape []int, dataStart int64, err error) {
	var pre [8]byte // magic, major and minor version
	if err := readFull(r, pre[:], ".npy preamble"); err != nil {
		return "", nil, 0, fmt.Errorf("not an .npy file: %w", err)
	}
	if string(pre[:len(npyMagic)]) != npyMagic {
		return "", nil, 0, errors.New("not an .npy file: it does not start with \\x93NUMPY")
	}
	lenBytes := make([]byte, 4) // versions 2 and 3 spell the header length in 4 bytes...
	switch major := pre[6]; major {
	case 1:
		lenBytes = lenBytes[:2] // ...version 1 in 2
	case 2, 3:
	default:
		return "", nil, 0, fmt.Errorf(".npy format version %d is not supported", major)
	}
	if err := readFull(r, lenBytes, ".npy header length"); err != nil {
		return "", nil, 0, err
	}
	headerLen := int64(binary.LittleEndian.Uint16(lenBytes))
	if len(lenBytes) == 4 {
		headerLen = int64(binary.LittleEndian.Uint32(lenBytes))
	}
	start := int64(len(pre) + len(lenBytes))
	if headerLen > size-start {
		return "", nil, 0, fmt.Errorf("truncated: .npy header of %d bytes runs past the end of the file", headerLen)
	}
	header := make([]byte, headerLen)
	if err := readFull(r, header, ".npy header"); err != nil {
		return "", nil, 0, err
	}
	descr, shape, err = parseNPYHeader(header)
	return descr, shape, start + headerLen, err
}

// parseNPYHeader reads the element type ("f4" or "u1") and the shape from a header's Python
// dictionary literal.
func parseNPYHeader(h []byte) (descr string, shape []int, err error) {
	d, o, s := npyDescr.FindSubmatch(h), npyFortran.FindSubmatch(h), npyShape.FindSubmatch(h)
	switch {
	case d == nil && o == nil && s == nil:
		return "", nil, fmt.Errorf("damaged .npy header %q", bytes.TrimSpace(h))
	case d == nil:
		return "", nil, fmt.Errorf("damaged .npy header: no element type ('descr')")
	case o == nil:
		return "", nil, fmt.Errorf("damaged .npy header: no 'fortran_order'")
	case s == nil:
		return "", nil, fmt.Errorf("damaged .npy header: no 'shape'")
	}
	switch string(d[1]) {
	case "<f4":
		descr = "f4"
	case "|u1", "<u1", "u1":
		descr = "u1"
	default:
		return "", nil, fmt.Errorf(".npy element type %s is not supported, want float32 ('<f4') or uint8 ('|u1')", d[1])
	}
	if string(o[1]) == "True" {
		return "", nil, fmt.Errorf(".npy data in Fortran order is not supported")
	}
	for _, tok := range strings.Split(string(s[1]), ",") {
		tok = strings.TrimSpace(tok)
		if tok == "" {
			continue
		}
		v, err := strconv.Atoi(tok)
		if err != nil || v < 1 || v > math.MaxInt32 {
			return "", nil, fmt.Errorf(".npy shape (%s) has a bad dimension %q", s[1], tok)
		}
		shape = append(shape, v)
	}
	return descr, shape, nil
}
