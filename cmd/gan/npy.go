package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gorgonia.org/tensor"
)

var (
	npyShape = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
	npyDescr = regexp.MustCompile(`'descr':\s*'([^']*)'`)
)

// readLatents reads an .npy of float32 latents, N×nz or N×nz×1×1, checking the header's
// shape against the file's size before the tensor library allocates anything.
func readLatents(path string, nz int) ([]float32, int, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	if len(raw) < 10 || string(raw[1:6]) != "NUMPY" {
		return nil, 0, fmt.Errorf("%s: not an .npy file", path)
	}
	m := npyShape.FindSubmatch(raw[:min(len(raw), 4096)])
	if m == nil {
		return nil, 0, fmt.Errorf("%s: .npy header has no shape", path)
	}
	var dims []int
	count := 1
	for _, f := range strings.Split(string(m[1]), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := strconv.Atoi(f)
		if err != nil || d < 0 || d > len(raw) {
			return nil, 0, fmt.Errorf("%s: .npy shape (%s) is not valid", path, m[1])
		}
		dims = append(dims, d)
		count *= d
		if count > len(raw) {
			return nil, 0, fmt.Errorf("%s: .npy shape (%s) needs more data than the file holds", path, m[1])
		}
	}
	ok := len(dims) == 2 && dims[1] == nz || len(dims) == 4 && dims[1] == nz && dims[2] == 1 && dims[3] == 1
	if !ok || dims[0] < 1 {
		return nil, 0, fmt.Errorf("%s: latents of shape %v, want (N, %d) or (N, %d, 1, 1)", path, dims, nz, nz)
	}
	if err := checkNpyLayout(raw, count); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	var t tensor.Dense
	if err := readNpy(&t, raw); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	values, isF32 := t.Data().([]float32)
	if !isF32 || len(values) != count {
		return nil, 0, fmt.Errorf("%s: latents must be float32 ('<f4'), %d values", path, count)
	}
	return values, dims[0], nil
}

// checkNpyLayout checks what the tensor library's reader would otherwise report in its own
// terms or not at all: the element type, the memory order and that the data is exactly count
// float32 values.
func checkNpyLayout(raw []byte, count int) error {
	start, end := 10, 10+int(binary.LittleEndian.Uint16(raw[8:10]))
	if raw[6] >= 2 && len(raw) >= 12 {
		start, end = 12, 12+int(binary.LittleEndian.Uint32(raw[8:12]))
	}
	if end < start || end > len(raw) {
		return errors.New("truncated .npy: the header runs past the end of the file")
	}
	header := raw[start:end]
	d := npyDescr.FindSubmatch(header)
	if d == nil {
		return errors.New(".npy header has no element type ('descr')")
	}
	if string(d[1]) != "<f4" {
		return fmt.Errorf(".npy element type %q, want float32 ('<f4')", d[1])
	}
	if bytes.Contains(header, []byte("'fortran_order': True")) {
		return errors.New(".npy in Fortran order is not supported")
	}
	if got := len(raw) - end; got != 4*count {
		return fmt.Errorf(".npy of %d float32 values needs %d bytes of data, file holds %d", count, 4*count, got)
	}
	return nil
}

// readNpy calls the tensor library's reader, turning its panics on malformed input into errors.
func readNpy(t *tensor.Dense, raw []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed .npy: %v", r)
		}
	}()
	return t.ReadNpy(bytes.NewReader(raw))
}
