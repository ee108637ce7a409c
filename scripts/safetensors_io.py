"""A minimal safetensors writer and reader, since the safetensors package is not installed.

Format: an 8-byte little-endian header length, a JSON header mapping each name
to {"dtype", "shape", "data_offsets": [begin, end]} (offsets relative to the
end of the header) plus an optional "__metadata__" of string pairs, padded with
spaces to a multiple of 8 bytes, then the raw little-endian data of every
tensor, contiguous and in header order.
"""

import json
import os
import struct
import tempfile

import numpy as np

# safetensors dtype names for the numpy dtypes the golden files use.
DTYPES = {np.dtype("float32"): "F32", np.dtype("float64"): "F64", np.dtype("int64"): "I64"}
NUMPY = {v: k for k, v in DTYPES.items()}


def _as_array(value):
    """Convert a torch tensor or array-like to a contiguous little-endian numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = np.ascontiguousarray(value)
    if arr.dtype not in DTYPES:
        raise TypeError(f"unsupported dtype {arr.dtype} (want one of {sorted(DTYPES.values())})")
    return arr.astype(arr.dtype.newbyteorder("<"), copy=False)


def encode(tensors, metadata=None):
    """Serialise ``tensors`` (name -> tensor, in the order given) to safetensors bytes."""
    header = {}
    blobs = []
    offset = 0
    for name, value in tensors.items():
        arr = _as_array(value)
        data = arr.tobytes()
        header[name] = {
            "dtype": DTYPES[arr.dtype],
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_atomic(path, write):
    """Call ``write(file)`` on a temp file next to ``path``, fsync it, rename it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def save(path, tensors, metadata=None):
    """Write ``tensors`` to ``path`` atomically: temp file, fsync, rename."""
    data = encode(tensors, metadata)
    write_atomic(path, lambda f: f.write(data))


def load(path):
    """Read a safetensors file; return (name -> numpy array, metadata dict)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n])
    metadata = header.pop("__metadata__", {})
    body = data[8 + n :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = NUMPY[info["dtype"]].newbyteorder("<")
        arr = np.frombuffer(body[begin:end], dtype=dtype)
        tensors[name] = arr.reshape(info["shape"])
    return tensors, metadata
