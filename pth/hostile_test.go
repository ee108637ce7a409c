package pth

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func (p *pk) long(v int64) *pk {
	p.op(0x8a, 8)
	binary.Write(p, binary.LittleEndian, v)
	return p
}

// withPickle is goodState's records with data.pkl replaced.
func withPickle(t testing.TB, pkl []byte) []byte {
	return zipOf(t, map[string][]byte{"data.pkl": pkl, "data/0": f32Bytes(1, 2, 3, 4, 5, 6), "data/1": make([]byte, 6)})
}

func oneTensor(e entry) []byte { return statePickle(e) }

// hostileFiles are files that must be refused, each with what its error must say.
func hostileFiles(t testing.TB) []struct {
	name, want string
	file       []byte
} {
	good := goodState(t)
	var huge pk
	huge.op(0x80, 2).global("collections", "OrderedDict").op(')', 'R').str("w")
	huge.global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").long(1<<39).op('t', 'Q')
	huge.int(0).ints(1<<19, 1<<20).ints(1<<20, 1).op(0x89, ')', 't', 'R', 's', '.')
	var hugeStorage pk
	hugeStorage.op(0x80, 2).op('}').str("w")
	hugeStorage.global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").long(1<<62).op('t', 'Q')
	hugeStorage.int(0).ints(1).ints(1).op(0x89, ')', 't', 'R', 's', '.')
	var cycle pk
	cycle.op(0x80, 2, ']', 'q', 0, 'h', 0, 'a', '.')
	var stackFlood pk
	stackFlood.op(0x80, 2)
	stackFlood.Write(bytes.Repeat([]byte{']'}, maxStack+1))
	var longString pk
	longString.op(0x80, 2, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', '.')
	return []struct {
		name, want string
		file       []byte
	}{
		{"not-a-zip", "not a zip archive", []byte("hello, this is text")},
		{"legacy", "legacy format", append([]byte{0x80, 0x02, 0x8a, 0x0a}, make([]byte, 40)...)},
		{"truncated-zip", "not a readable PyTorch zip file", good[:len(good)*2/3]},
		{"os-system", "os.system", withPickle(t, (&pk{}).op(0x80, 2).global("os", "system").str("touch /tmp/pwned").op(0x85, 'R', '.').Bytes())},
		{"builtins-eval", "builtins.eval", withPickle(t, (&pk{}).op(0x80, 4, 0x8c, 8).op([]byte("builtins")...).op(0x8c, 4).op([]byte("eval")...).op(0x93).str("1").op(0x85, 'R', '.').Bytes())},
		{"whole-model", "__main__.Generator", withPickle(t, (&pk{}).op(0x80, 2).global("__main__", "Generator").op(')', 0x81, '.').Bytes())},
		{"inst", "INST", withPickle(t, (&pk{}).op(0x80, 2, '(', 'i').op([]byte("os\nsystem\n")...).op('.').Bytes())},
		{"huge-tensor", "storage data/0 holds 24 bytes", withPickle(t, huge.Bytes())},
		{"huge-storage", "more than 1099511627776", withPickle(t, hugeStorage.Bytes())},
		{"tensor-beyond-storage", "reach element 8 of a storage of 6", withPickle(t, oneTensor(entry{"w", "FloatStorage", "0", 6, 0, []int{3, 3}, []int{3, 1}}))},
		{"offset-beyond-storage", "reach element 6", withPickle(t, oneTensor(entry{"w", "FloatStorage", "0", 6, 4, []int{3}, []int{1}}))},
		{"storage-record-short", "storage data/0 holds 24 bytes, its 7 float32 elements need 28", withPickle(t, oneTensor(entry{"w", "FloatStorage", "0", 7, 0, []int{7}, []int{1}}))},
		{"no-storage-record", "no record data/5", withPickle(t, oneTensor(entry{"w", "FloatStorage", "5", 1, 0, []int{1}, []int{1}}))},
		{"deep-nesting", "nests deeper than 256", withPickle(t, append([]byte{0x80, 2}, bytes.Repeat([]byte{'('}, 300)...))},
		{"stack-flood", "stack grows past", withPickle(t, stackFlood.Bytes())},
		{"cycle", "holds a list, not a state dict", withPickle(t, cycle.Bytes())},
		{"string-beyond-pickle", "truncated", withPickle(t, longString.Bytes())},
		{"memo-missing", "never stored", withPickle(t, []byte{0x80, 2, 'h', 5, '.'})},
		{"not-a-tensor", `maps "w" to a str`, withPickle(t, (&pk{}).op(0x80, 2, '}').str("w").str("x").op('s', '.').Bytes())},
		{"no-pickle", "without <name>/data.pkl", zipOf(t, map[string][]byte{"version": []byte("3")})},
		{"big-endian", `byte order "big"`, zipOf(t, map[string][]byte{"data.pkl": statePickle(), "byteorder": []byte("big")})},
		{"no-stop", "truncated", withPickle(t, []byte{0x80, 2, '}'})},
	}
}

func TestHostileFiles(t *testing.T) {
	for _, c := range hostileFiles(t) {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(bytes.NewReader(c.file), int64(len(c.file)))
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want one line containing %q", msg, c.want)
			}
		})
	}
}

// TestReadNamesTheFile reads from disk: errors name the file, and a folder is refused.
func TestReadNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "netG.pth")
	if err := os.WriteFile(path, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.HasPrefix(err.Error(), path+": not a PyTorch .pth file") {
		t.Errorf("got %v, want an error naming %s", err, path)
	}
	if _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a folder: got %v", err)
	}
	if err := os.WriteFile(path, goodState(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if s, err := Read(path); err != nil || len(s.Names()) != 3 {
		t.Errorf("a good file: %v", err)
	}
}
