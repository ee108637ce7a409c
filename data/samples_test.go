package data

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadSamples(t *testing.T) {
	values := []float32{-1, -0.5, 0, 0.5, 1, 0.25, 0.75, -0.75}
	imgDir := t.TempDir()
	writeImage(t, filepath.Join(imgDir, "a.png"), solid(3, 3, color.NRGBA{255, 255, 255, 255}))
	writeImage(t, filepath.Join(imgDir, "b.png"), solid(3, 3, color.NRGBA{0, 0, 0, 255}))
	tests := []struct {
		name      string
		path      string
		wantShape []int
		wantFirst []float32
	}{
		{"npy float32 NCHW", writeTemp(t, "s.npy", encodeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2, 2), }", float32Bytes(values))),
			[]int{2, 1, 2, 2}, values},
		{"npy float32 NHW", writeTemp(t, "s.npy", encodeNPY("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }", float32Bytes(values))),
			[]int{2, 1, 2, 2}, values},
		{"npy uint8", writeTemp(t, "u.npy", encodeNPY("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3, 1, 1), }", []byte{0, 255, 51})),
			[]int{1, 3, 1, 1}, []float32{-1, 1, 51/127.5 - 1}},
		{"IDX images", writeTemp(t, "x-idx3-ubyte", encodeIDX([]int{2, 1, 2}, []byte{0, 255, 255, 0})),
			[]int{2, 1, 1, 2}, []float32{-1, 1, 1, -1}},
		{"folder", imgDir, []int{2, 1, 3, 3}, []float32{1, 1, 1, 1, 1, 1, 1, 1, 1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadSamples(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal([]int(got.Shape()), tc.wantShape) {
				t.Errorf("shape %v, want %v", got.Shape(), tc.wantShape)
			}
			data := got.Data().([]float32)
			for i, w := range tc.wantFirst {
				if math.Abs(float64(data[i]-w)) > 1e-6 {
					t.Errorf("value %d is %v, want %v", i, data[i], w)
				}
			}
		})
	}
}

func TestReadSamplesBadInput(t *testing.T) {
	f4 := func(shape string) string {
		return fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': %s, }", shape)
	}
	two := float32Bytes([]float32{0, 0})
	full := encodeNPY(f4("(1, 1, 1, 2)"), two)
	checkRefused(t, func(path string) error { _, err := ReadSamples(path); return err }, []badFile{
		{"float64", encodeNPY("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1), }", make([]byte, 8)), "<f8 is not supported"},
		{"fortran", encodeNPY("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1, 1, 2), }", two), "Fortran order"},
		{"2 channels", encodeNPY(f4("(1, 2, 1, 1)"), two), "not (N, C, H, W) with C 1 or 3"},
		{"2-D", encodeNPY(f4("(1, 2)"), two), "not (N, C, H, W)"},
		{"bad dimension", encodeNPY(f4("(1, x, 1, 2)"), two), `bad dimension "x"`},
		{"zero dimension", encodeNPY(f4("(0, 1, 1, 2)"), nil), `bad dimension "0"`},
		{"truncated data", full[:len(full)-1], "needs 8 bytes of data, file holds 7"},
		{"huge shape", encodeNPY(f4("(2147483647, 3, 2147483647, 2147483647)"), two), "needs more bytes than"},
		{"no dictionary", encodeNPY("garbage", nil), "damaged .npy header"},
		{"header past end", full[:12], "runs past the end"},
		{"version 9", append(append([]byte(npyMagic), 9, 0), full[8:]...), "version 9"},
		{"NaN", encodeNPY(f4("(1, 1, 1, 2)"), float32Bytes([]float32{0, float32(math.NaN())})), "value 1 is NaN"},
		{"neither npy nor IDX", []byte("hello"), "not an .npy file, and as IDX"},
		{"IDX labels", encodeIDX([]int{2}, []byte{1, 2}), "wrong dimensions 2 for images"},
	})
	if _, err := ReadSamples(filepath.Join(t.TempDir(), "absent.npy")); err == nil || !strings.Contains(err.Error(), "absent.npy") {
		t.Errorf("missing file: %v", err)
	}
}
