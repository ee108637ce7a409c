package checkpoints

import (
	"bytes"
	"encoding/binary"
	"maps"
	"slices"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever it accepts must be self-consistent:
// every tensor reads back at the size its shape says, the tensors tile the data section,
// and writing the tensors again gives a file that parses to the same content.
func FuzzParse(f *testing.F) {
	for _, c := range brokenFiles() {
		f.Add(c.file)
	}
	var buf bytes.Buffer
	if err := encode(&buf, sampleTensors(), map[string]string{"step": "7"}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(build(`{"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]},"a":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}`, make([]byte, 12)))
	f.Add(build(`{"h":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}  `, make([]byte, 4)))

	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		var total int64
		var tensors []Tensor
		for _, name := range file.Names() {
			info, _ := file.Info(name)
			n := int64(1)
			for _, d := range info.Shape {
				n *= int64(d)
			}
			total += n * int64(info.DType.Size())
			tensor, ok := readBack(t, file, name, info)
			if !ok {
				continue
			}
			if got := tensorLen(tensor); int64(got) != n {
				t.Fatalf("tensor %q: shape %v but %d values read", name, info.Shape, got)
			}
			tensors = append(tensors, tensor)
		}
		if header := 8 + int64(binary.LittleEndian.Uint64(b)); total != int64(len(b))-header {
			t.Fatalf("tensors hold %d bytes, data section is %d", total, int64(len(b))-header)
		}
		if len(tensors) < len(file.Names()) {
			return // some dtype gogan cannot write
		}
		var again bytes.Buffer
		if err := encode(&again, tensors, file.Metadata()); err != nil {
			t.Fatalf("write back: %v", err)
		}
		second, err := Parse(bytes.NewReader(again.Bytes()), int64(again.Len()))
		if err != nil {
			t.Fatalf("parse what was written back: %v", err)
		}
		if !maps.Equal(file.Metadata(), second.Metadata()) || !slices.Equal(file.Names(), second.Names()) {
			t.Fatal("metadata or names changed on the way back")
		}
		for _, tensor := range tensors {
			checkTensor(t, second, tensor)
		}
	})
}

// readBack reads a tensor through the accessor of its dtype; ok is false for the dtypes
// that have none.
func readBack(t *testing.T, f *File, name string, info Info) (Tensor, bool) {
	var tensor Tensor
	var err error
	switch info.DType {
	case Float32:
		var v []float32
		v, err = f.F32(name, info.Shape...)
		tensor = F32(name, info.Shape, v)
	case Float64:
		var v []float64
		v, err = f.F64(name, info.Shape...)
		tensor = F64(name, info.Shape, v)
	case Int32:
		var v []int32
		v, err = f.I32(name, info.Shape...)
		tensor = I32(name, info.Shape, v)
	case Int64:
		var v []int64
		v, err = f.I64(name, info.Shape...)
		tensor = I64(name, info.Shape, v)
	case Uint8:
		var v []uint8
		v, err = f.U8(name, info.Shape...)
		tensor = U8(name, info.Shape, v)
	default:
		return Tensor{}, false
	}
	if err != nil {
		t.Fatalf("validated tensor %q does not read: %v", name, err)
	}
	return tensor, true
}

func tensorLen(t Tensor) int {
	switch d := t.data.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []int32:
		return len(d)
	case []int64:
		return len(d)
	case []uint8:
		return len(d)
	}
	return 0
}
