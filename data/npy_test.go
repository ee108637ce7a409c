package data

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// encodeNPY writes a version 1.0 .npy file with the given header dictionary and data.
func encodeNPY(dict string, data []byte) []byte {
	// Pad so that the data starts on a 64-byte boundary, as NumPy does.
	header := dict + " "
	for (10+len(header)+1)%64 != 0 {
		header += " "
	}
	header += "\n"
	var b bytes.Buffer
	b.WriteString(npyMagic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func float32Bytes(v []float32) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, v)
	return b.Bytes()
}

// tensorNPY is d as the tensor library writes it, as gan generate --out-npy does.
func tensorNPY(d *tensor.Dense) []byte {
	var b bytes.Buffer
	_ = d.WriteNpy(&b) // cannot fail for float32 or float64 into memory; a short file fails the test
	return b.Bytes()
}

// asVersion2 rewrites a version 1.0 .npy as version 2.0, whose header length takes 4 bytes.
func asVersion2(v1 []byte) []byte {
	out := append([]byte(npyMagic), 2, 0)
	out = binary.LittleEndian.AppendUint32(out, uint32(binary.LittleEndian.Uint16(v1[8:10])))
	return append(out, v1[10:]...)
}

// A badFile is a damaged or hostile file and what the error refusing it must say.
type badFile struct {
	name    string
	content []byte
	want    string
}

// checkRefused writes each file and checks that read refuses it with an error that names
// the file and says what the case wants.
func checkRefused(t *testing.T, read func(path string) error, files []badFile) {
	t.Helper()
	for _, f := range files {
		t.Run(f.name, func(t *testing.T) {
			path := writeTemp(t, "bad.npy", f.content)
			if err := read(path); err == nil || !strings.Contains(err.Error(), f.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and containing %q", err, path, f.want)
			}
		})
	}
}

func TestReadNPY(t *testing.T) {
	values := []float32{-1, -0.5, 0, 0.5, 1, 0.25, 0.75, 3.5}
	f4 := func(shape ...int) []byte {
		return tensorNPY(tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(values))))
	}
	bytesFile := encodeNPY("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", []byte{0, 255, 51})
	tests := []struct {
		name      string
		content   []byte
		wantShape []int
		wantF32   []float32
		wantU8    []byte
	}{
		{"float32 (2, 4)", f4(2, 4), []int{2, 4}, values, nil},
		{"float32 (2, 4, 1, 1)", f4(2, 4, 1, 1), []int{2, 4, 1, 1}, values, nil},
		{"float32 (8,)", f4(8), []int{8}, values, nil},
		{"version 2", asVersion2(f4(4, 2)), []int{4, 2}, values, nil},
		{"uint8", bytesFile, []int{3}, nil, []byte{0, 255, 51}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadNPY(writeTemp(t, "a.npy", tc.content))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Shape, tc.wantShape) {
				t.Errorf("shape %v, want %v", got.Shape, tc.wantShape)
			}
			if !slices.Equal(got.Float32, tc.wantF32) || !slices.Equal(got.Uint8, tc.wantU8) {
				t.Errorf("values %v / %v, want %v / %v", got.Float32, got.Uint8, tc.wantF32, tc.wantU8)
			}
		})
	}
}

// TestReadNPYBadInput feeds ReadNPY damaged and hostile files: each is refused with an error
// that names the file and the problem, and no shape is allocated before it is checked
// against the file's size.
func TestReadNPYBadInput(t *testing.T) {
	good := tensorNPY(tensor.New(tensor.WithShape(4, 8), tensor.WithBacking(make([]float32, 32))))
	f64 := tensorNPY(tensor.New(tensor.WithShape(4, 8), tensor.WithBacking(make([]float64, 32))))
	f4 := func(shape string) string {
		return fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape)
	}
	checkRefused(t, func(path string) error {
		a, err := ReadNPY(path)
		if a != nil && err != nil {
			t.Errorf("%s: an array alongside the error", path)
		}
		return err
	}, []badFile{
		{"empty", nil, "not an .npy file"},
		{"bad magic", []byte("hello, world\n"), "not an .npy file"},
		{"truncated data", good[:len(good)-9], "needs 128 bytes of data, file holds 119"},
		{"trailing data", append(slices.Clone(good), 0), "needs 128 bytes of data, file holds 129"},
		{"float64", f64, "<f8 is not supported, want float32 ('<f4')"},
		{"huge dimension", bytes.Replace(good, []byte("(4, 8)"), []byte("(400000000000, 8)"), 1), `bad dimension "400000000000"`},
		{"huge shape", encodeNPY(f4("(2147483647, 3, 2147483647, 2147483647)"), make([]byte, 8)), "needs more bytes than the"},
		{"negative dimension", encodeNPY(f4("(-1, 2)"), make([]byte, 8)), `bad dimension "-1"`},
		{"zero dimension", encodeNPY(f4("(0, 2)"), nil), `bad dimension "0"`},
		{"no dictionary", encodeNPY("garbage", nil), "damaged .npy header"},
		{"no shape", bytes.Replace(good, []byte("'shape'"), []byte("'shope'"), 1), "no 'shape'"},
		{"no descr", bytes.Replace(good, []byte("'descr'"), []byte("'dascr'"), 1), "no element type"},
		{"bad descr", bytes.Replace(good, []byte("<f4"), []byte("<x9"), 1), "element type <x9 is not supported"},
		{"fortran", bytes.Replace(good, []byte("'fortran_order': False"), []byte("'fortran_order': True "), 1), "Fortran order"},
		{"header past end", append(slices.Clone(good[:8]), 0xff, 0xff), "runs past the end"},
		{"long header", append(append(slices.Clone(good[:8]), 0xff, 0xff), good[10:]...), "header of 65535 bytes runs past the end"},
		{"version 9", append(append([]byte(npyMagic), 9, 0), good[8:]...), "version 9"},
	})
	for _, path := range []string{filepath.Join(t.TempDir(), "absent.npy"), t.TempDir()} {
		if _, err := ReadNPY(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: error %v, want one naming it", path, err)
		}
	}
}

// FuzzNPY feeds the .npy decoder arbitrary bytes: it must never panic, and whatever it
// accepts holds exactly as many values as its shape declares.
func FuzzNPY(f *testing.F) {
	for _, s := range [][]byte{
		encodeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", make([]byte, 8)),
		encodeNPY("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", []byte{1, 2, 3}),
		encodeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647), }", nil),
		[]byte(npyMagic), nil,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		a, err := decodeNPY(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			return
		}
		n := 1
		for _, d := range a.Shape {
			n *= d
		}
		if len(a.Float32)+len(a.Uint8) != n || (a.Float32 == nil) == (a.Uint8 == nil) {
			t.Fatalf("shape %v with %d float32 and %d byte values", a.Shape, len(a.Float32), len(a.Uint8))
		}
	})
}
