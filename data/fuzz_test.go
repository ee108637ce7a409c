package data

import (
	"bytes"
	"testing"
)

// FuzzIDX feeds the IDX decoder arbitrary bytes. Whatever it accepts must be consistent:
// the data exactly as long as the dimensions declare and, for raw input, the input itself
// again when encoded back. Its seed corpus (valid and damaged files) runs in every go test.
func FuzzIDX(f *testing.F) {
	images := encodeIDX([]int{2, 3, 4}, ramp(24))
	labels := encodeIDX([]int{3}, []byte{1, 2, 3})
	gz := gzipBytes(images)
	seeds := [][]byte{
		images, labels, gz, gzipBytes(labels),
		nil, {0, 0, 8}, {0, 0, 8, 0},
		images[:len(images)-1], append(append([]byte(nil), images...), 7),
		{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0},
		encodeIDX([]int{1_000_000_000, 28, 28}, ramp(64)),
		encodeIDX([]int{1 << 31, 1 << 31, 1 << 31, 1 << 31}, nil),
		gz[:len(gz)/2], gz[:10], {0x1f, 0x8b},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		idx, err := DecodeIDX(bytes.NewReader(in), int64(len(in)))
		if err != nil {
			if idx != nil {
				t.Fatal("result alongside an error")
			}
			return
		}
		if len(idx.Dims) < 1 || len(idx.Dims) > maxIDXDims {
			t.Fatalf("accepted %d dimensions", len(idx.Dims))
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if len(idx.Data) != n {
			t.Fatalf("dims %v declare %d bytes, data has %d", idx.Dims, n, len(idx.Data))
		}
		if len(in) > 1 && in[0] == 0x1f && in[1] == 0x8b {
			return // gzip input has many encodings of one content
		}
		if again := encodeIDX(idx.Dims, idx.Data); !bytes.Equal(again, in) {
			t.Fatalf("decoded %v %v, which encodes to %x, not the input %x", idx.Dims, idx.Data, again, in)
		}
	})
}
