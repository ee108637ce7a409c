package data

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

// ReadSamples reads images from disk as an (N, C, H, W) float32 tensor in [-1, 1]: a folder
// of images (as Open reads one, at the first image's size), an IDX image file, or a NumPy
// .npy file of float32 values in [-1, 1] or of bytes, shaped (N, C, H, W) or (N, H, W).
func ReadSamples(path string) (*tensor.Dense, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	if st.IsDir() {
		ds, err := Open(Spec{Folder: path})
		if err != nil {
			return nil, err
		}
		return ds.all(), nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if head, _ := br.Peek(len(npyMagic)); string(head) == npyMagic {
		t, err := decodeNPY(br, st.Size())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return t, nil
	}
	idx, err := DecodeIDX(br, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s: not a .npy file, and as IDX: %w", path, err)
	}
	if len(idx.Dims) != 3 || idx.Dims[0] == 0 || idx.Dims[1] == 0 || idx.Dims[2] == 0 {
		return nil, fmt.Errorf("read %s: wrong dimensions %s for images, want N×H×W, all above 0", path, dimsString(idx.Dims))
	}
	ds := &Dataset{pixels: idx.Data, n: idx.Dims[0], c: 1, h: idx.Dims[1], w: idx.Dims[2]}
	return ds.all(), nil
}

// all returns every image of the dataset, in order, as one tensor.
func (d *Dataset) all() *tensor.Dense {
	order := make([]int, d.n)
	for i := range order {
		order[i] = i
	}
	return d.Batch(order)
}

const npyMagic = "\x93NUMPY"

var (
	npyDescr   = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// decodeNPY reads a .npy stream of size bytes. The header is parsed here rather than by
// github.com/sbinet/npyio because that parser slices with unchecked indices and panics on
// damaged headers.
func decodeNPY(r io.Reader, size int64) (*tensor.Dense, error) {
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
			return nil, fmt.Errorf("shape %v needs more bytes than the %d-byte file holds", shape, size)
		}
		want *= int64(d)
	}
	if got := size - headerEnd; got != want {
		return nil, fmt.Errorf("shape %v needs %d bytes of data, file holds %d", shape, want, got)
	}
	raw := make([]byte, want)
	if err := readFull(r, raw, ".npy data"); err != nil {
		return nil, err
	}
	if len(shape) == 3 {
		shape = []int{shape[0], 1, shape[1], shape[2]}
	}
	values := make([]float32, want/elem)
	for i := range values {
		if descr == "u1" {
			values[i] = byteToUnit[raw[i]]
			continue
		}
		values[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		if math.IsNaN(float64(values[i])) || math.IsInf(float64(values[i]), 0) {
			return nil, fmt.Errorf("value %d is %v; samples must be finite", i, values[i])
		}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values)), nil
}

// readNPYHeader reads the preamble and header of a .npy stream of size bytes and returns the
// element type, the shape and the offset where the data starts.
func readNPYHeader(r io.Reader, size int64) (descr string, shape []int, dataStart int64, err error) {
	var pre [8]byte // magic, major and minor version
	if err := readFull(r, pre[:], ".npy preamble"); err != nil {
		return "", nil, 0, err
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
	if d == nil || o == nil || s == nil {
		return "", nil, fmt.Errorf("damaged .npy header %q", bytes.TrimSpace(h))
	}
	switch string(d[1]) {
	case "<f4":
		descr = "f4"
	case "|u1", "<u1", "u1":
		descr = "u1"
	default:
		return "", nil, fmt.Errorf(".npy element type %s is not supported, want float32 (<f4) or uint8 (|u1)", d[1])
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
	if len(shape) != 3 && len(shape) != 4 || len(shape) == 4 && shape[1] != 1 && shape[1] != 3 {
		return "", nil, fmt.Errorf(".npy shape %v is not (N, C, H, W) with C 1 or 3, nor (N, H, W)", shape)
	}
	return descr, shape, nil
}
