package pth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// Bounds of the unpickler. A state dict's pickle holds a few entries per tensor, so these
// are far above any real network's and keep a hostile file's memory small.
const (
	maxStack     = 1 << 20 // values on the stack
	maxMemo      = 1 << 20 // memoised values
	maxMarkDepth = 256     // nested MARKs: tuples in tuples
	maxDims      = 64      // dimensions of a tensor
)

// The values the unpickler builds. Nothing else exists: a pickle that would make anything
// else is refused.
type (
	tuple   []any
	list    struct{ items []any }
	global  struct{ module, name string }
	storage struct {
		dtype dtype
		key   string
		numel int64
	}
	// odict is a dict or OrderedDict with string keys, in insertion order.
	odict struct {
		keys  []string
		vals  map[string]any
		isMap bool // a plain dict, not an OrderedDict
	}
	// tensorRef is a tensor as the pickle describes it: a view of a storage.
	tensorRef struct {
		storage        storage
		offset         int64
		shape, strides []int64
	}
)

func newDict() *odict { return &odict{vals: map[string]any{}} }

func (d *odict) set(k, v any) error {
	key, ok := k.(string)
	if !ok {
		return fmt.Errorf("a dict key of type %s; state dicts are keyed by names", typeName(k))
	}
	if _, dup := d.vals[key]; !dup {
		d.keys = append(d.keys, key)
	}
	d.vals[key] = v
	return nil
}

// storageTypes are the torch.*Storage globals and the element types they stand for.
var storageTypes = map[string]dtype{
	"FloatStorage": f32, "DoubleStorage": f64, "HalfStorage": f16, "BFloat16Storage": bf16,
	"LongStorage": i64, "IntStorage": i32, "ShortStorage": i16, "CharStorage": i8,
	"ByteStorage": u8, "BoolStorage": boolean,
}

// allowed says whether a global is one a state dict names.
func allowed(g global) bool {
	switch g.module + "." + g.name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter":
		return true
	}
	_, ok := storageTypes[g.name]
	return g.module == "torch" && ok
}

// unpickler runs the restricted pickle machine over data.
type unpickler struct {
	data  []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint64]any
}

// unpickle returns the object data.pkl describes.
func unpickle(data []byte) (any, error) {
	u := &unpickler{data: data, memo: map[uint64]any{}}
	for {
		at := u.pos
		op, err := u.byte()
		if err != nil {
			return nil, err
		}
		if op == '.' { // STOP
			if len(u.stack) != 1 {
				return nil, fmt.Errorf("pickle stops with %d values on its stack, not 1", len(u.stack))
			}
			return u.stack[0], nil
		}
		if err := u.step(op); err != nil {
			return nil, fmt.Errorf("pickle byte %d: %w", at, err)
		}
		if len(u.stack) > maxStack {
			return nil, fmt.Errorf("pickle stack grows past %d values", maxStack)
		}
	}
}

var errTruncated = errors.New("pickle truncated")

func (u *unpickler) bytes(n uint64) ([]byte, error) {
	if n > uint64(len(u.data)-u.pos) {
		return nil, errTruncated
	}
	b := u.data[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return b, nil
}

func (u *unpickler) byte() (byte, error) {
	b, err := u.bytes(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// uint reads an n-byte little-endian unsigned integer.
func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.bytes(uint64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// line reads up to a newline, for GLOBAL's module and name.
func (u *unpickler) line() (string, error) {
	i := strings.IndexByte(string(u.data[u.pos:min(len(u.data), u.pos+256)]), '\n')
	if i < 0 {
		return "", errors.New("GLOBAL name without a newline within 256 bytes")
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 || len(u.marks) > 0 && len(u.stack) == u.marks[len(u.marks)-1] {
		return nil, errors.New("pickle pops an empty stack")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	v, err := u.pop()
	if err == nil {
		u.push(v)
	}
	return v, err
}

// popMark returns the values pushed since the last MARK and drops them and the mark.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("pickle uses a MARK it never set")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// popN returns the top n values, oldest first.
func (u *unpickler) popN(n int) (tuple, error) {
	t := make(tuple, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		t[i] = v
	}
	return t, nil
}

func (u *unpickler) memoise(key uint64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := u.memo[key]; !ok && len(u.memo) >= maxMemo {
		return fmt.Errorf("pickle memoises more than %d values", maxMemo)
	}
	u.memo[key] = v
	return nil
}

func (u *unpickler) recall(key uint64) error {
	v, ok := u.memo[key]
	if !ok {
		return fmt.Errorf("pickle recalls memo %d, never stored", key)
	}
	u.push(v)
	return nil
}

// text pushes a string whose length is an n-byte prefix.
func (u *unpickler) text(n int) error {
	size, err := u.uint(n)
	if err != nil {
		return err
	}
	b, err := u.bytes(size)
	if err != nil {
		return err
	}
	u.push(string(b))
	return nil
}

func (u *unpickler) int(n int, signed bool) error {
	v, err := u.uint(n)
	if err != nil {
		return err
	}
	if signed && n == 4 {
		u.push(int64(int32(uint32(v))))
	} else {
		u.push(int64(v))
	}
	return nil
}

// long1 pushes a LONG1 integer; state dicts write small ones (a storage's element count).
func (u *unpickler) long1() error {
	n, err := u.byte()
	if err != nil {
		return err
	}
	if n > 8 {
		return fmt.Errorf("a %d-byte integer, more than a state dict writes", n)
	}
	b, err := u.bytes(uint64(n))
	if err != nil {
		return err
	}
	var v int64
	for i := int(n) - 1; i >= 0; i-- {
		v = v<<8 | int64(b[i])
	}
	if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
		v -= 1 << (8 * n)
	}
	u.push(v)
	return nil
}

func (u *unpickler) globalOp(module, name string) error {
	g := global{module, name}
	if !allowed(g) {
		hint := ""
		if module == "__main__" || strings.HasPrefix(module, "torch.nn.modules") {
			hint = " (a whole model pickled by torch.save(model): save model.state_dict() instead)"
		}
		return fmt.Errorf("the pickle names %s.%s, which a plain state dict never does; refused without running it%s", module, name, hint)
	}
	u.push(g)
	return nil
}

// float pushes a BINFLOAT, big-endian as pickle writes it.
func (u *unpickler) float() error {
	b, err := u.bytes(8)
	if err != nil {
		return err
	}
	u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	return nil
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case string:
		return "str"
	case int64:
		return "int"
	case bool:
		return "bool"
	case float64:
		return "float"
	case tuple:
		return "tuple"
	case *list:
		return "list"
	case *odict:
		return "dict"
	case global:
		return v.module + "." + v.name
	case storage:
		return "storage"
	case *tensorRef:
		return "tensor"
	}
	return fmt.Sprintf("%T", v)
}
