// Package pth reads PyTorch state dicts saved with torch.save (`.pth`, `.pt`): the zip
// format of PyTorch 1.6 and later, which holds
//
//	<archive>/data.pkl      the pickled dict: names → tensors, tensors → storages by key
//	<archive>/data/<key>    each storage's raw bytes, in the byte order of <archive>/byteorder
//	<archive>/version       the format's version
//
// The legacy format (a bare pickle stream, PyTorch before 1.6, or a tar) is refused with an
// error that names it.
//
// # Untrusted files
//
// A pickle is a program: Python's unpickler calls whatever functions the file names, which is
// how a `.pth` file runs code when loaded with torch.load. This package therefore carries its
// own restricted unpickler rather than a general Go pickle library (such as gopickle, which
// builds any class it is asked for and sizes its allocations from the file): it knows the few
// opcodes a state dict is written with and the few globals it names (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch.*Storage), and refuses any
// other opcode or global by name before it does anything with it. Nothing in a file is ever
// called: the globals it accepts are interpreted by this package.
//
// Sizes are checked before memory is allocated: data.pkl against a bound and its zip entry,
// strings against the bytes left in the pickle, the stack and memo against fixed bounds, each
// storage's declared element count against the size of its zip entry, and each tensor's
// shape, strides and offset against its storage. A broken or hostile file gives a one-line
// error naming the file and the problem.
//
// Float32 tensors are read as they are; float16, bfloat16 and float64 ones (and integer
// buffers such as BatchNorm's num_batches_tracked) are converted to float32. Strided tensors
// are gathered into row-major order.
package pth
