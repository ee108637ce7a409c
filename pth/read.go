package pth

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// maxPickle bounds data.pkl: a state dict's pickle is some tens of bytes per tensor.
const maxPickle = 64 << 20

// StateDict is a state dict read from a .pth file: tensor names, in the file's order, and
// their shapes and values.
type StateDict struct {
	path     string
	names    []string
	tensors  map[string]*tensorRef
	storages map[string][]byte // by key, little-endian
}

// Names lists the tensors in the order the file gives them.
func (s *StateDict) Names() []string { return append([]string(nil), s.names...) }

// Shape is the named tensor's shape; ok is false if there is no such tensor.
func (s *StateDict) Shape(name string) (shape []int, ok bool) {
	t, ok := s.tensors[name]
	if !ok {
		return nil, false
	}
	shape = make([]int, len(t.shape))
	for i, d := range t.shape {
		shape[i] = int(d)
	}
	return shape, true
}

// DType names the named tensor's element type as PyTorch does (float32, float16, ...).
func (s *StateDict) DType(name string) string {
	if t, ok := s.tensors[name]; ok {
		return t.storage.dtype.String()
	}
	return ""
}

// F32 returns the named tensor's values as float32 in row-major order, converted from its
// element type and gathered through its strides.
func (s *StateDict) F32(name string) ([]float32, error) {
	t, ok := s.tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: no tensor %q", s.path, name)
	}
	return gather(t, s.storages[t.storage.key]), nil
}

// Read reads the state dict of the .pth or .pt file at path.
func Read(path string) (*StateDict, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	s, err := Parse(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.path = path
	return s, nil
}

// Parse reads a state dict from the .pth file of size bytes that r holds. Errors do not
// name a file: the caller knows what r is.
func Parse(r io.ReaderAt, size int64) (*StateDict, error) {
	var magic [4]byte
	if n, _ := r.ReadAt(magic[:], 0); n < 4 || string(magic[:]) != "PK\x03\x04" {
		return nil, notZip(magic[:n], r, size)
	}
	z, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("not a readable PyTorch zip file: %w", err)
	}
	a, err := findArchive(z)
	if err != nil {
		return nil, err
	}
	if err := checkByteOrder(a); err != nil {
		return nil, err
	}
	pkl, err := readEntry(a.files["data.pkl"], maxPickle, "data.pkl")
	if err != nil {
		return nil, err
	}
	obj, err := unpickle(pkl)
	if err != nil {
		return nil, fmt.Errorf("data.pkl: %w", err)
	}
	s, err := stateDict(obj)
	if err != nil {
		return nil, err
	}
	if err := s.loadStorages(a, size); err != nil {
		return nil, err
	}
	return s, nil
}

// notZip explains a file that is not a zip: PyTorch's legacy format, a tar, or something
// else.
func notZip(head []byte, r io.ReaderAt, size int64) error {
	var tarMagic [5]byte
	if size > 262 {
		r.ReadAt(tarMagic[:], 257)
	}
	switch {
	case len(head) > 0 && head[0] == 0x80:
		return errors.New("a PyTorch file in the legacy format (a bare pickle, before PyTorch 1.6), which is not read: load it in PyTorch and save it again with torch.save, which writes the zip format")
	case string(tarMagic[:]) == "ustar":
		return errors.New("a PyTorch file in the legacy tar format, which is not read: load it in PyTorch and save it again with torch.save")
	}
	return errors.New("not a PyTorch .pth file: it is not a zip archive")
}

// archive is the records of one torch.save zip, by their names under its top folder.
type archive struct {
	name  string
	files map[string]*zip.File
}

// findArchive finds the folder that holds data.pkl; torch.save names it after the file or
// "archive", so it is found rather than assumed.
func findArchive(z *zip.Reader) (archive, error) {
	a := archive{files: map[string]*zip.File{}}
	for _, f := range z.File {
		if dir, ok := strings.CutSuffix(f.Name, "/data.pkl"); ok && !strings.Contains(dir, "/") {
			if a.name != "" {
				return a, errors.New("a zip with two data.pkl records")
			}
			a.name = dir
		}
	}
	if a.name == "" {
		return a, errors.New("a zip without <name>/data.pkl: not a file torch.save wrote")
	}
	for _, f := range z.File {
		if rest, ok := strings.CutPrefix(f.Name, a.name+"/"); ok {
			a.files[rest] = f
		}
	}
	return a, nil
}

// checkByteOrder refuses byte orders other than little-endian, which every machine that
// runs gogan uses; files without the record were all written little-endian.
func checkByteOrder(a archive) error {
	f, ok := a.files["byteorder"]
	if !ok {
		return nil
	}
	b, err := readEntry(f, 16, "byteorder")
	if err != nil {
		return err
	}
	if order := strings.TrimSpace(string(b)); order != "little" {
		return fmt.Errorf("byte order %q: only little-endian files are read", order)
	}
	return nil
}

// readEntry reads a zip record of at most limit bytes, checking its declared size first.
func readEntry(f *zip.File, limit int64, what string) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("no %s record", what)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s declares %d bytes, more than the %d allowed", what, f.UncompressedSize64, limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rc.Close()
	b := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if n, err := rc.Read(make([]byte, 1)); n > 0 || err != io.EOF {
		return nil, fmt.Errorf("%s: longer than its declared %d bytes, or damaged", what, len(b))
	}
	return b, nil
}

// stateDict checks that the pickle is a plain state dict, names to tensors.
func stateDict(obj any) (*StateDict, error) {
	d, ok := obj.(*odict)
	if !ok {
		return nil, fmt.Errorf("data.pkl holds a %s, not a state dict (a dict of names to tensors)", typeName(obj))
	}
	s := &StateDict{names: d.keys, tensors: map[string]*tensorRef{}, storages: map[string][]byte{}}
	for _, name := range d.keys {
		t, ok := d.vals[name].(*tensorRef)
		if !ok {
			return nil, fmt.Errorf("data.pkl maps %q to a %s, not a tensor: not a plain state dict (save model.state_dict())", name, typeName(d.vals[name]))
		}
		s.tensors[name] = t
	}
	return s, nil
}

// loadStorages reads every storage a tensor uses, after checking each against its record's
// size and each tensor against its storage.
func (s *StateDict) loadStorages(a archive, fileSize int64) error {
	for _, name := range s.names {
		t := s.tensors[name]
		if err := t.check(); err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		key := t.storage.key
		if _, done := s.storages[key]; done {
			continue
		}
		f := a.files["data/"+key]
		if f == nil {
			return fmt.Errorf("tensor %q: no record data/%s for its storage", name, key)
		}
		want := uint64(t.storage.numel) * uint64(t.storage.dtype.size())
		if f.UncompressedSize64 != want {
			return fmt.Errorf("tensor %q: storage data/%s holds %d bytes, its %d %s elements need %d", name, key, f.UncompressedSize64, t.storage.numel, t.storage.dtype, want)
		}
		b, err := readEntry(f, fileSize, "data/"+key)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", name, err)
		}
		s.storages[key] = b
	}
	return nil
}
