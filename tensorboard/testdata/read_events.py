"""Reads TensorBoard event files with Python's protobuf library and prints what they hold.

Usage: python3 read_events.py PROTO EVENT_FILE...

A reader apart from gogan's Go code, for tensorboard/pyreader_test.go: PROTO (gogan's
tensorboard.proto) is compiled by `protoc --python_out` into a temporary folder and the events
are decoded by google.protobuf; the TFRecord framing (a little-endian uint64 length, its masked
CRC-32C, the data, the data's masked CRC-32C) is checked with a CRC-32C computed here. The
output is one JSON object: {"files": [{"path": ..., "events": [...]}]}. Any damage (a bad CRC,
a record cut short, an undecodable event) is a one-line message on stderr and exit status 1.
"""

import hashlib
import importlib
import json
import struct
import subprocess
import sys
import tempfile
from pathlib import Path


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1  # Castagnoli, bits reversed
        table.append(c)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked_crc(data):
    """TensorFlow's masked CRC: rotated right by 15 bits, plus a constant."""
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path):
    """Yields the data of each record of the file at path, checking the framing."""
    b = Path(path).read_bytes()
    pos = 0
    while pos < len(b):
        if len(b) - pos < 12:
            raise ValueError(f"byte {pos}: {len(b) - pos} bytes left, a header needs 12")
        header = b[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", b[pos + 8 : pos + 12])
        if length_crc != masked_crc(header):
            raise ValueError(f"byte {pos}: length CRC {length_crc:#x}, want {masked_crc(header):#x}")
        end = pos + 12 + length
        if end + 4 > len(b):
            raise ValueError(f"byte {pos}: record of {length} bytes past the end of the file")
        data = b[pos + 12 : end]
        (data_crc,) = struct.unpack("<I", b[end : end + 4])
        if data_crc != masked_crc(data):
            raise ValueError(f"byte {pos}: data CRC {data_crc:#x}, want {masked_crc(data):#x}")
        yield pos, data
        pos = end + 4


def compile_proto(proto, out_dir):
    proto = Path(proto).resolve()
    subprocess.run(
        ["protoc", f"-I{proto.parent}", f"--python_out={out_dir}", proto.name],
        check=True,
    )
    sys.path.insert(0, out_dir)
    return importlib.import_module(proto.stem + "_pb2")


def describe_value(v, pb):
    kind = v.WhichOneof("value")
    out = {"tag": v.tag, "kind": kind}
    if kind == "simple_value":
        out["simple_value"] = v.simple_value
    elif kind == "image":
        img = v.image
        out.update(
            height=img.height,
            width=img.width,
            colorspace=img.colorspace,
            png_bytes=len(img.encoded_image_string),
            png_sha256=hashlib.sha256(img.encoded_image_string).hexdigest(),
        )
    elif kind == "tensor":
        t = v.tensor
        out.update(
            dtype=pb.DataType.Name(t.dtype),
            shape=[d.size for d in t.tensor_shape.dim],
            strings=[s.decode("utf-8") for s in t.string_val],
            plugin=v.metadata.plugin_data.plugin_name,
        )
    return out


def describe_event(ev, pb):
    out = {"wall_time": ev.wall_time, "step": ev.step}
    what = ev.WhichOneof("what")
    if what == "file_version":
        out["file_version"] = ev.file_version
    elif what == "session_log":
        out["session_log"] = pb.SessionLog.SessionStatus.Name(ev.session_log.status)
    elif what == "summary":
        out["values"] = [describe_value(v, pb) for v in ev.summary.value]
    if ev.HasField("source_metadata"):
        out["writer"] = ev.source_metadata.writer
    return out


def main(argv):
    if len(argv) < 3:
        raise ValueError("usage: read_events.py PROTO EVENT_FILE...")
    if crc32c(b"123456789") != 0xE3069283:  # the check value of CRC-32C
        raise ValueError("CRC-32C implementation is wrong")
    with tempfile.TemporaryDirectory() as tmp:
        pb = compile_proto(argv[1], tmp)
        files = []
        for path in argv[2:]:
            events = []
            for pos, data in records(path):
                ev = pb.Event()
                try:
                    ev.ParseFromString(data)
                except Exception as e:
                    raise ValueError(f"byte {pos}: event does not decode: {e}") from None
                events.append(describe_event(ev, pb))
            files.append({"path": path, "events": events})
    json.dump({"files": files}, sys.stdout)


if __name__ == "__main__":
    try:
        main(sys.argv)
    except (ValueError, OSError, subprocess.CalledProcessError, UnicodeDecodeError) as e:
        print(f"read_events.py: {e}", file=sys.stderr)
        sys.exit(1)
