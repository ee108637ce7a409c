package checkpoints

// DType is a tensor's element type, spelled as in the safetensors header ("F32", "I64", ...).
type DType string

// The element types gogan writes and reads into Go slices.
const (
	Float32 DType = "F32"
	Float64 DType = "F64"
	Int32   DType = "I32"
	Int64   DType = "I64"
	Uint8   DType = "U8"
)

// dtypes lists every element type the format defines with a whole number of bytes per
// element, in the reference implementation's order. Writers sort tensors by this rank,
// highest first, which keeps every tensor aligned to its element size; using the same rank
// makes gogan's files byte-identical to the reference's.
var dtypes = []struct {
	dtype DType
	size  int
}{
	{"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
	{"I16", 2}, {"U16", 2}, {"F16", 2}, {"BF16", 2},
	{"I32", 4}, {"U32", 4}, {"F32", 4},
	{"C64", 8}, {"F64", 8}, {"I64", 8}, {"U64", 8},
}

// Size is the number of bytes of one element, or 0 for a type the format does not define.
func (d DType) Size() int {
	_, size := d.lookup()
	return size
}

// rank orders element types for layout; -1 for unknown types.
func (d DType) rank() int {
	r, _ := d.lookup()
	return r
}

func (d DType) lookup() (rank, size int) {
	for i, t := range dtypes {
		if t.dtype == d {
			return i, t.size
		}
	}
	return -1, 0
}
