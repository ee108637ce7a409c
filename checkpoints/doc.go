// Package checkpoints reads and writes gogan's checkpoints, which are safetensors files:
// the format of Hugging Face's safetensors library, so that PyTorch and the rest of the
// field load them without a converter.
//
// # Format
//
// A safetensors file is three parts:
//
//	8 bytes   N, the header length, an unsigned little-endian integer
//	N bytes   the header: a UTF-8 JSON object that starts with '{' and may end in spaces
//	the rest  the data section: every tensor's raw little-endian, row-major bytes
//
// The header maps each tensor name to its element type, shape and byte range in the data
// section, offsets counted from the start of that section:
//
//	{"__metadata__":{"step":"1200"},
//	 "generator.0.weight":{"dtype":"F32","shape":[100,512,4,4],"data_offsets":[0,3276800]}}
//
// The optional "__metadata__" entry maps strings to strings. Names are unique. The byte
// ranges are contiguous: sorted by offset, the first starts at 0, each starts where the one
// before it ends, and the last ends at the end of the file. A tensor with a zero dimension
// has an empty range; a tensor of shape [] is a scalar.
//
// # Writing
//
// [Write] is deterministic: the same tensors and metadata give the same bytes whatever their
// order in the arguments. It lays the tensors out as the reference implementation does (in
// its dtype order, widest types first, then by name, so that every tensor starts at a
// multiple of its element size), writes the header with fixed key order and no spaces, and
// pads it with spaces to a multiple of 8 bytes. Without metadata, or with one metadata
// entry, the file is byte for byte what safetensors' own serialize writes for the same
// tensors (names holding U+2028 or U+2029, which the two JSON encoders escape differently,
// aside). The file is replaced atomically: a crash or an error mid-write leaves the previous
// file in place.
//
// # Reading
//
// [Read] and [Parse] treat the file as hostile and check everything before they allocate
// anything sized by it: the header length against the file and against a 100 MB bound, the
// header's UTF-8 and JSON (duplicate keys and unknown fields are errors), each dtype, each
// shape (non-negative integers, at most 64 of them, whose element count times the element
// size does not overflow and equals the length of the byte range), each range against the
// data section, and the ranges against each other (no gap, no overlap, nothing left over).
// Memory used is therefore bounded by a small multiple of the file's size whatever the
// header claims, and a broken file gives a one-line error naming the file, the tensor and
// the problem, never a panic. Values are not checked: NaN and infinities load as they are.
//
// Element types known to the format (F16, BF16, BOOL, U64, ...) are accepted and described
// by [File.Info]; the typed accessors cover the types gogan writes: F32, F64, I32, I64, U8.
package checkpoints
