package pth

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
)

// The helpers below write pickles as torch.save does (protocol 2), opcode by opcode, so that
// the tests can make valid and hostile files without PyTorch.

// pk is a pickle under construction.
type pk struct{ bytes.Buffer }

func (p *pk) op(b ...byte) *pk { p.Write(b); return p }

func (p *pk) str(s string) *pk {
	p.WriteByte('X')
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}

func (p *pk) int(v int) *pk {
	p.WriteByte('J')
	binary.Write(p, binary.LittleEndian, int32(v))
	return p
}

func (p *pk) global(module, name string) *pk {
	p.WriteByte('c')
	p.WriteString(module + "\n" + name + "\n")
	return p
}

func (p *pk) ints(v ...int) *pk {
	p.op('(')
	for _, x := range v {
		p.int(x)
	}
	return p.op('t')
}

// tensor writes _rebuild_tensor_v2 of the storage key of numel elements of storageType.
func (p *pk) tensor(storageType, key string, numel, offset int, shape, stride []int) *pk {
	p.global("torch._utils", "_rebuild_tensor_v2").op('(')
	p.op('(').str("storage").global("torch", storageType).str(key).str("cpu").int(numel).op('t', 'Q')
	p.int(offset).ints(shape...).ints(stride...).op(0x89)
	p.global("collections", "OrderedDict").op(')', 'R') // backward hooks
	return p.op('t', 'R')
}

// entry is one tensor of a test state dict.
type entry struct {
	name, storageType, key string
	numel, offset          int
	shape, stride          []int
}

// statePickle writes an OrderedDict of the entries with its _metadata, as torch.save does.
func statePickle(entries ...entry) []byte {
	var p pk
	p.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R', '(')
	for _, e := range entries {
		p.str(e.name).tensor(e.storageType, e.key, e.numel, e.offset, e.shape, e.stride)
	}
	p.op('u')
	p.global("collections", "OrderedDict").op(')', 'R', '(').str("").op('}').str("version").int(1).op('s', 'u')
	p.op('b', '.')
	return p.Bytes()
}

// zipOf writes a torch.save zip of the records, each stored uncompressed, under archive/.
func zipOf(t testing.TB, records map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range []string{"data.pkl", "byteorder", "data/0", "data/1", "version"} {
		b, ok := records[name]
		if !ok {
			continue
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		f.Write(b)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func f32Bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// goodState is a valid state dict: w (2, 3) float32, its transpose t viewed through strides
// of the same storage, and a float16 vector h.
func goodState(t testing.TB) []byte {
	half := []byte{0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00} // 1, -2, 2^-24
	return zipOf(t, map[string][]byte{
		"data.pkl": statePickle(
			entry{"main.0.weight", "FloatStorage", "0", 6, 0, []int{2, 3}, []int{3, 1}},
			entry{"main.0.t", "FloatStorage", "0", 6, 0, []int{3, 2}, []int{1, 3}},
			entry{"main.1.h", "HalfStorage", "1", 3, 0, []int{3}, []int{1}},
		),
		"byteorder": []byte("little"),
		"data/0":    f32Bytes(1, 2, 3, 4, 5, 6),
		"data/1":    half,
		"version":   []byte("3\n"),
	})
}

func mustParse(t *testing.T, b []byte) *StateDict {
	t.Helper()
	s, err := Parse(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseGood(t *testing.T) {
	s := mustParse(t, goodState(t))
	if got := fmt.Sprint(s.Names()); got != "[main.0.weight main.0.t main.1.h]" {
		t.Errorf("names %s, want the file's order", got)
	}
	for name, want := range map[string]string{
		"main.0.weight": "[2 3] [1 2 3 4 5 6]",
		"main.0.t":      "[3 2] [1 4 2 5 3 6]",
		"main.1.h":      "[3] [1 -2 5.9604645e-08]",
	} {
		shape, _ := s.Shape(name)
		v, err := s.F32(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(shape, v); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
}
