package pth

import (
	"errors"
	"fmt"
)

// step runs one opcode. The cases are the opcodes torch.save writes with pickle protocols 2
// to 5; every other opcode is refused with its name.
func (u *unpickler) step(op byte) error {
	switch op {
	case 0x80: // PROTO
		v, err := u.byte()
		if err == nil && v > 5 {
			err = fmt.Errorf("pickle protocol %d, newer than 5", v)
		}
		return err
	case 0x95: // FRAME: a length hint only
		_, err := u.bytes(8)
		return err
	case '(': // MARK
		if len(u.marks) >= maxMarkDepth {
			return fmt.Errorf("pickle nests deeper than %d", maxMarkDepth)
		}
		u.marks = append(u.marks, len(u.stack))
	case '}':
		u.push(&odict{vals: map[string]any{}, isMap: true})
	case ']':
		u.push(&list{})
	case ')':
		u.push(tuple{})
	case 't':
		items, err := u.popMark()
		if err != nil {
			return err
		}
		u.push(tuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1, TUPLE2, TUPLE3
		t, err := u.popN(int(op-0x85) + 1)
		if err != nil {
			return err
		}
		u.push(t)
	case '0': // POP
		_, err := u.pop()
		return err
	case 'c': // GLOBAL
		module, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.globalOp(module, name)
	case 0x93: // STACK_GLOBAL
		t, err := u.popN(2)
		if err != nil {
			return err
		}
		module, ok1 := t[0].(string)
		name, ok2 := t[1].(string)
		if !ok1 || !ok2 {
			return errors.New("STACK_GLOBAL of values that are not names")
		}
		return u.globalOp(module, name)
	case 'Q': // BINPERSID
		return u.persistent()
	case 'R':
		return u.reduce()
	case 'b':
		return u.build()
	case 's', 'u', 'a', 'e': // SETITEM, SETITEMS, APPEND, APPENDS
		return u.fill(op)
	default:
		return u.stepLiteral(op)
	}
	return nil
}

// stepLiteral runs the opcodes that push a literal (None, booleans, integers, floats and
// strings) or store and recall values in the memo.
func (u *unpickler) stepLiteral(op byte) error {
	switch op {
	case 'q', 'r': // BINPUT, LONG_BINPUT
		key, err := u.uint(map[byte]int{'q': 1, 'r': 4}[op])
		if err != nil {
			return err
		}
		return u.memoise(key)
	case 0x94: // MEMOIZE
		return u.memoise(uint64(len(u.memo)))
	case 'h', 'j': // BINGET, LONG_BINGET
		key, err := u.uint(map[byte]int{'h': 1, 'j': 4}[op])
		if err != nil {
			return err
		}
		return u.recall(key)
	case 'N':
		u.push(nil)
	case 0x88, 0x89: // NEWTRUE, NEWFALSE
		u.push(op == 0x88)
	case 'K':
		return u.int(1, false)
	case 'M':
		return u.int(2, false)
	case 'J':
		return u.int(4, true)
	case 0x8a: // LONG1
		return u.long1()
	case 'G':
		return u.float()
	case 'X': // BINUNICODE
		return u.text(4)
	case 0x8c, 'U': // SHORT_BINUNICODE, SHORT_BINSTRING
		return u.text(1)
	case 0x8d, 'T': // BINUNICODE8, BINSTRING
		return u.text(map[byte]int{0x8d: 8, 'T': 4}[op])
	default:
		return fmt.Errorf("pickle opcode %s, which a plain state dict never uses; refused", opName(op))
	}
	return nil
}

// opName names an opcode for the error that refuses it.
func opName(op byte) string {
	names := map[byte]string{
		'i': "INST", 'o': "OBJ", 0x81: "NEWOBJ", 0x92: "NEWOBJ_EX", 'P': "PERSID", 'S': "STRING",
		'I': "INT", 'L': "LONG", 'F': "FLOAT", 'V': "UNICODE", 0x8b: "LONG4", 'g': "GET",
		'p': "PUT", 'd': "DICT", 'l': "LIST", '2': "DUP", '1': "POP_MARK", 0x82: "EXT1",
		0x83: "EXT2", 0x84: "EXT4", 'B': "BINBYTES", 'C': "SHORT_BINBYTES", 0x8e: "BINBYTES8",
		0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
		0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
	}
	if n, ok := names[op]; ok {
		return fmt.Sprintf("%s (0x%02x)", n, op)
	}
	return fmt.Sprintf("0x%02x", op)
}

// fill runs SETITEM(S) on a dict or APPEND(S) on a list.
func (u *unpickler) fill(op byte) error {
	var items []any
	var err error
	switch op {
	case 's':
		items, err = u.popN(2)
	case 'a':
		items, err = u.popN(1)
	default:
		items, err = u.popMark()
	}
	if err != nil {
		return err
	}
	target, err := u.top()
	if err != nil {
		return err
	}
	switch t := target.(type) {
	case *odict:
		if op == 'a' || op == 'e' {
			break
		}
		if len(items)%2 != 0 {
			return errors.New("SETITEMS with a key and no value")
		}
		for i := 0; i < len(items); i += 2 {
			if err := t.set(items[i], items[i+1]); err != nil {
				return err
			}
		}
		return nil
	case *list:
		if op == 's' || op == 'u' {
			break
		}
		t.items = append(t.items, items...)
		return nil
	}
	return fmt.Errorf("items added to a %s", typeName(target))
}

// persistent resolves BINPERSID: a state dict's persistent ids are its storages,
// ('storage', torch.FloatStorage, key, location, element count).
func (u *unpickler) persistent() error {
	pid, err := u.pop()
	if err != nil {
		return err
	}
	t, ok := pid.(tuple)
	if !ok || len(t) != 5 || t[0] != "storage" {
		return fmt.Errorf("a persistent id that is not a storage (%s)", typeName(pid))
	}
	g, ok1 := t[1].(global)
	key, ok2 := t[2].(string)
	numel, ok3 := t[4].(int64)
	_, ok4 := t[3].(string)
	if !ok1 || !ok2 || !ok3 || !ok4 || numel < 0 {
		return errors.New("a storage id that is not (type, key, location, element count)")
	}
	dt, ok := storageTypes[g.name]
	if !ok || g.module != "torch" {
		return fmt.Errorf("a storage of type %s.%s", g.module, g.name)
	}
	u.push(storage{dtype: dt, key: key, numel: numel})
	return nil
}

// reduce runs REDUCE for the three callables a state dict uses; interpreting them here is
// what lets the file run nothing.
func (u *unpickler) reduce() error {
	t, err := u.popN(2)
	if err != nil {
		return err
	}
	g, ok := t[0].(global)
	args, ok2 := t[1].(tuple)
	if !ok || !ok2 {
		return fmt.Errorf("REDUCE of a %s", typeName(t[0]))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return errors.New("OrderedDict built from arguments")
		}
		u.push(newDict())
		return nil
	case "torch._utils._rebuild_tensor_v2":
		r, err := rebuildTensor(args)
		if err != nil {
			return err
		}
		u.push(r)
		return nil
	case "torch._utils._rebuild_parameter":
		if len(args) != 3 {
			return errors.New("_rebuild_parameter with other than 3 arguments")
		}
		r, ok := args[0].(*tensorRef)
		if !ok {
			return fmt.Errorf("_rebuild_parameter of a %s", typeName(args[0]))
		}
		u.push(r)
		return nil
	}
	return fmt.Errorf("REDUCE of %s.%s", g.module, g.name)
}

// rebuildTensor reads _rebuild_tensor_v2's arguments: (storage, offset, size, stride,
// requires_grad, backward_hooks[, metadata]).
func rebuildTensor(args tuple) (*tensorRef, error) {
	if len(args) != 6 && len(args) != 7 {
		return nil, fmt.Errorf("_rebuild_tensor_v2 with %d arguments, not 6 or 7", len(args))
	}
	s, ok := args[0].(storage)
	offset, ok2 := args[1].(int64)
	if !ok || !ok2 || offset < 0 {
		return nil, errors.New("_rebuild_tensor_v2 of no storage or a negative offset")
	}
	shape, err := ints(args[2], "size")
	if err != nil {
		return nil, err
	}
	strides, err := ints(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(shape) != len(strides) {
		return nil, fmt.Errorf("a tensor of %d dimensions with %d strides", len(shape), len(strides))
	}
	return &tensorRef{storage: s, offset: offset, shape: shape, strides: strides}, nil
}

// ints reads a tuple of non-negative integers: a tensor's size or stride.
func ints(v any, what string) ([]int64, error) {
	t, ok := v.(tuple)
	if !ok || len(t) > maxDims {
		return nil, fmt.Errorf("a tensor %s that is not a tuple of at most %d integers", what, maxDims)
	}
	out := make([]int64, len(t))
	for i, x := range t {
		n, ok := x.(int64)
		if !ok || n < 0 {
			return nil, fmt.Errorf("a tensor %s holding %s", what, typeName(x))
		}
		out[i] = n
	}
	return out, nil
}

// build runs BUILD, which only an OrderedDict's state (its _metadata) uses in a state dict.
func (u *unpickler) build() error {
	t, err := u.popN(2)
	if err != nil {
		return err
	}
	d, ok := t[0].(*odict)
	if _, isDict := t[1].(*odict); !ok || d.isMap || !isDict {
		return fmt.Errorf("BUILD of a %s with a %s", typeName(t[0]), typeName(t[1]))
	}
	u.push(d) // the state (version numbers per module) is not needed to load weights
	return nil
}
