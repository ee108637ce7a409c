package pth

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever it accepts must hold every tensor the
// pickle names, readable at the element count its shape says; whatever it refuses gets one
// line.
func FuzzParse(f *testing.F) {
	f.Add(goodState(f))
	for _, c := range hostileFiles(f) {
		if c.name != "stack-flood" { // a megabyte of one byte slows every mutation
			f.Add(c.file)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		for _, name := range s.Names() {
			shape, ok := s.Shape(name)
			if !ok {
				t.Fatalf("%q listed but has no shape", name)
			}
			n := 1
			for _, d := range shape {
				n *= d
			}
			v, err := s.F32(name)
			if err != nil || len(v) != n {
				t.Fatalf("%q: shape %v but %d values (%v)", name, shape, len(v), err)
			}
		}
	})
}

// FuzzUnpickle runs the unpickler alone on arbitrary pickles, where a zip's checksums do not
// stand in the fuzzer's way.
func FuzzUnpickle(f *testing.F) {
	f.Add(statePickle(entry{"w", "FloatStorage", "0", 6, 0, []int{2, 3}, []int{3, 1}}))
	f.Add([]byte{0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.'})
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := unpickle(b)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if s, err := stateDict(obj); err == nil {
			for _, name := range s.names {
				_ = s.tensors[name].check() // must not panic whatever the sizes
			}
		}
	})
}
