package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"gogan/internal/memlimit"
	"gogan/internal/plainfile"
)

// IDX is the content of one IDX file of unsigned bytes, the format of MNIST and its kin.
type IDX struct {
	Dims []int   // outermost first: (N) for labels, (N, H, W) for images
	Data []uint8 // row-major, exactly the product of Dims bytes
}

// idxTypeUByte is the only IDX element type the datasets use; the others are named in errors.
const idxTypeUByte = 0x08

var idxTypeNames = map[byte]string{
	0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16",
	0x0C: "int32", 0x0D: "float32", 0x0E: "float64",
}

// maxIDXDims bounds the rank a header may declare; the datasets use 1 and 3.
const maxIDXDims = 4

// ReadIDX reads an IDX file of unsigned bytes, gzip-compressed or raw (told apart by the
// first bytes, not the name).
func ReadIDX(path string) (*IDX, error) {
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %w", err) // the PathError already names the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	idx, err := DecodeIDX(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return idx, nil
}

// DecodeIDX decodes an IDX stream of size bytes. It checks the magic number, the element
// type, the dimensions and that the payload is exactly as long as they declare, and never
// allocates more than the stream can hold.
func DecodeIDX(r io.Reader, size int64) (*IDX, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(2)
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("corrupt gzip: %w", err)
		}
		return decodeIDXGzip(gzipErrors{zr}, size)
	}
	return decodeIDXRaw(br, size)
}

// gzipErrors marks the failures of a gzip stream as such, so that a cut or damaged stream is
// not mistaken for a short IDX payload inside an intact one.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = errors.New("stream is cut short")
		}
		err = fmt.Errorf("corrupt gzip: %w", err)
	}
	return n, err
}

// readFull is io.ReadFull that names what was being read when the input ends early.
func readFull(r io.Reader, buf []byte, what string) error {
	_, err := io.ReadFull(r, buf)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated %s: want %d bytes", what, len(buf))
	}
	return err
}

// readIDXHeader reads the magic number and the dimensions; it returns the dimensions, the
// header length and the payload length they declare, capped at limit+1 so that hostile
// dimensions cannot overflow.
func readIDXHeader(r io.Reader, limit int64) (dims []int, headerLen, payload int64, err error) {
	var magic [4]byte
	if err := readFull(r, magic[:], "IDX magic number"); err != nil {
		return nil, 0, 0, err
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, 0, 0, fmt.Errorf("not an IDX file: magic number 0x%08x does not start with two zero bytes",
			binary.BigEndian.Uint32(magic[:]))
	}
	if magic[2] != idxTypeUByte {
		name, ok := idxTypeNames[magic[2]]
		if !ok {
			return nil, 0, 0, fmt.Errorf("not an IDX file: unknown data type 0x%02x in magic number", magic[2])
		}
		return nil, 0, 0, fmt.Errorf("IDX data type 0x%02x (%s) is not supported, only unsigned bytes", magic[2], name)
	}
	n := int(magic[3])
	if n < 1 || n > maxIDXDims {
		return nil, 0, 0, fmt.Errorf("IDX header declares %d dimensions, want 1 to %d", n, maxIDXDims)
	}
	raw := make([]byte, 4*n)
	if err := readFull(r, raw, "IDX header"); err != nil {
		return nil, 0, 0, err
	}
	dims = make([]int, n)
	payload = 1
	for i := range dims {
		d := int64(binary.BigEndian.Uint32(raw[4*i:]))
		dims[i] = int(d)
		if payload > 0 && d > 0 && payload > (limit+1)/d {
			payload = limit + 1 // more than the stream can hold; the caller reports it
		} else {
			payload *= d
		}
	}
	// Images are resized one per core through 4-byte colour copies: a side beyond what a
	// dataset may have costs gigabytes each even where the file itself fits.
	if len(dims) == 3 && (dims[1] > maxImageSize || dims[2] > maxImageSize) {
		return nil, 0, 0, fmt.Errorf("the header declares images of %d×%d pixels, more than the %d a side a dataset's images may have", dims[1], dims[2], maxImageSize)
	}
	return dims, int64(4 + 4*n), payload, nil
}

func decodeIDXRaw(r io.Reader, size int64) (*IDX, error) {
	dims, headerLen, payload, err := readIDXHeader(r, size)
	if err != nil {
		return nil, err
	}
	if payload != size-headerLen {
		what := "truncated"
		if payload < size-headerLen {
			what = "trailing data"
		}
		return nil, fmt.Errorf("%s: header declares %s = %s bytes of data, file holds %d",
			what, dimsString(dims), payloadString(payload, size), size-headerLen)
	}
	if err := checkIDXMemory(dims, payload); err != nil {
		return nil, err
	}
	data := make([]uint8, payload)
	if err := readFull(r, data, "IDX data"); err != nil {
		return nil, err
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func decodeIDXGzip(r io.Reader, size int64) (*IDX, error) {
	// Deflate expands at most about 1032:1, which bounds what a header may honestly claim.
	limit := size*1032 + 1<<16
	dims, _, payload, err := readIDXHeader(r, limit)
	if err != nil {
		// Damaged deflate data often decodes to a nonsense header before the checksum at the
		// end shows the damage; that damage is the better diagnosis.
		if _, gzErr := io.Copy(io.Discard, io.LimitReader(r, limit)); gzErr != nil {
			return nil, gzErr
		}
		return nil, err
	}
	if payload > limit {
		return nil, fmt.Errorf("header declares %s = %s bytes of data, more than a %d-byte gzip file can hold",
			dimsString(dims), payloadString(payload, limit), size)
	}
	if err := checkIDXMemory(dims, payload); err != nil {
		return nil, err
	}
	// The claim is now bounded by what the stream can hold and by the memory this process may
	// use, so the buffer is allocated once at its size; pages the stream never fills are never
	// touched. Reading one byte past the payload both detects trailing data and, when there is
	// none, reaches the end of the gzip stream, which verifies its checksum.
	data := make([]byte, payload)
	got, err := io.ReadFull(r, data)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return nil, fmt.Errorf("truncated: header declares %s = %d bytes of data, gzip stream holds %d",
			dimsString(dims), payload, got)
	case err != nil:
		return nil, err
	}
	var extra [1]byte
	if n, err := io.ReadFull(r, extra[:]); n > 0 {
		return nil, fmt.Errorf("trailing data: header declares %s = %d bytes, gzip stream holds more",
			dimsString(dims), payload)
	} else if err != nil && err != io.EOF {
		return nil, err
	}
	return &IDX{Dims: dims, Data: data}, nil
}

// checkIDXMemory refuses a payload larger than the memory this process may use.
func checkIDXMemory(dims []int, payload int64) error {
	return memlimit.Check(float64(payload), fmt.Sprintf("the header's %s = %d bytes of data", dimsString(dims), payload), "")
}

// payloadString prints a declared payload, which readIDXHeader caps past the limit.
func payloadString(payload, limit int64) string {
	if payload > limit {
		return fmt.Sprintf("more than %d", limit)
	}
	return fmt.Sprint(payload)
}

func dimsString(dims []int) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = fmt.Sprint(d)
	}
	return strings.Join(parts, "×")
}

// readIDXImages reads an image file: (N, H, W) unsigned bytes.
func readIDXImages(path string) (*IDX, error) {
	idx, err := ReadIDX(path)
	if err != nil {
		return nil, err
	}
	if len(idx.Dims) != 3 || idx.Dims[1] == 0 || idx.Dims[2] == 0 {
		return nil, fmt.Errorf("read %s: wrong dimensions %s for images, want N×H×W with H, W > 0",
			path, dimsString(idx.Dims))
	}
	return idx, nil
}

// readIDXLabels reads a label file: (N) unsigned bytes.
func readIDXLabels(path string) (*IDX, error) {
	idx, err := ReadIDX(path)
	if err != nil {
		return nil, err
	}
	if len(idx.Dims) != 1 {
		return nil, fmt.Errorf("read %s: wrong dimensions %s for labels, want one dimension N",
			path, dimsString(idx.Dims))
	}
	return idx, nil
}
