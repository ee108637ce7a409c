package checkpoints

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const python = "/usr/bin/python3"

// interopScript reads gogan's file with a hand-written parser of the format and torch,
// checks it against values rebuilt from the same bit patterns as the Go test, and writes
// such values back in a file laid out unlike gogan's (entries in reverse order, tensors not
// aligned, JSON with spaces and \u escapes). There is no safetensors package here, so the
// parser follows the format's description directly.
const interopScript = `
import json, struct, sys
import numpy as np
import torch

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8", "U8": "u1"}
BITS = {"F32": torch.int32, "F64": torch.int64}

def values(dtype, shape):
    i = np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.uint64)
    if dtype in ("F32", "I32"):
        v = ((i * np.uint64(2654435761) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)).astype("<u4")
    elif dtype in ("F64", "I64"):
        v = (i * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)).astype("<u8")
    else:
        v = ((i * np.uint64(37) + np.uint64(11)) & np.uint64(0xFF)).astype("u1")
    return torch.from_numpy(v.view(DTYPES[dtype]).reshape(shape).copy())

def read(path):
    buf = open(path, "rb").read()
    (n,) = struct.unpack("<Q", buf[:8])
    assert n <= len(buf) - 8, "header length beyond the file"
    assert (8 + n) % 8 == 0, "data section starts at byte %d, not 8-aligned" % (8 + n)
    header = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    data, pos, out = buf[8 + n:], 0, {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, end = info["data_offsets"]
        assert begin == pos, "%s: starts at %d, previous tensor ended at %d" % (name, begin, pos)
        dt = np.dtype(DTYPES[info["dtype"]])
        assert begin % dt.itemsize == 0, "%s: starts at %d, not aligned" % (name, begin)
        arr = np.frombuffer(data[begin:end], dtype=dt).reshape(info["shape"])
        out[name] = (info["dtype"], torch.from_numpy(arr.copy()))
        pos = end
    assert pos == len(data), "tensors cover %d of %d data bytes" % (pos, len(data))
    return out, meta

def same(dtype, a, b):
    if dtype in BITS:
        return torch.equal(a.view(BITS[dtype]), b.view(BITS[dtype]))
    return torch.equal(a, b)

def write(path, spec, meta):
    header, blobs, pos = {"__metadata__": meta}, [], 0
    for t in reversed(spec):
        b = values(t["dtype"], t["shape"]).numpy().tobytes()
        header[t["name"]] = {"dtype": t["dtype"], "shape": t["shape"], "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    h = json.dumps(header).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)

gofile, pyfile, spec, meta = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
got, got_meta = read(gofile)
assert got_meta == meta, "metadata %r, want %r" % (got_meta, meta)
assert sorted(got) == sorted(t["name"] for t in spec), "names %r" % sorted(got)
for t in spec:
    dtype, tensor = got[t["name"]]
    want = values(t["dtype"], t["shape"])
    assert dtype == t["dtype"], "%s: dtype %s, want %s" % (t["name"], dtype, t["dtype"])
    assert tensor.shape == want.shape, "%s: shape %s, want %s" % (t["name"], tensor.shape, want.shape)
    assert same(dtype, tensor, want), "%s: values differ" % t["name"]
write(pyfile, spec, meta)
print("checked %d tensors" % len(spec))
`

// TestPyTorchInterop has Python read gogan's file and write one of its own for gogan.
func TestPyTorchInterop(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skipf("interop with PyTorch needs %s: %v", python, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, python, "-c", "import torch, numpy").CombinedOutput(); err != nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		t.Skipf("interop with PyTorch needs torch and numpy in %s: %s", python, lines[len(lines)-1])
	}

	dir := t.TempDir()
	gofile, pyfile := filepath.Join(dir, "go.safetensors"), filepath.Join(dir, "py.safetensors")
	tensors := sampleTensors()
	meta := map[string]string{"step": "1200", "note": "ünïcode ✓ \"quoted\" <b>&\n"}
	if err := Write(gofile, tensors, meta); err != nil {
		t.Fatal(err)
	}
	type spec struct {
		Name  string `json:"name"`
		DType DType  `json:"dtype"`
		Shape []int  `json:"shape"`
	}
	specs := make([]spec, len(tensors))
	for i, tensor := range tensors {
		specs[i] = spec{tensor.Name, tensor.DType, append([]int{}, tensor.Shape...)}
	}
	specJSON, _ := json.Marshal(specs)
	metaJSON, _ := json.Marshal(meta)

	cmd := exec.CommandContext(ctx, python, "-c", interopScript, gofile, pyfile, string(specJSON), string(metaJSON))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python failed on gogan's file: %v\n%s", err, out)
	}
	t.Logf("python: %s", strings.TrimSpace(string(out)))

	f, err := Read(pyfile)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range tensors {
		t.Run(want.Name, func(t *testing.T) { checkTensor(t, f, want) })
	}
	if got := f.Metadata(); got["note"] != meta["note"] || got["step"] != meta["step"] || len(got) != len(meta) {
		t.Errorf("metadata from Python %q, want %q", got, meta)
	}
}
