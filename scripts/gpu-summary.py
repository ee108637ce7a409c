#!/usr/bin/env python3
"""The summary of scripts/gpu-check.sh, rewritten after every step: every step's status
(exit code, or "skipped"), the benchmark figures side by side, the test counts and the
evaluation. Usage: gpu-summary.py LOGS_DIR OUT_JSON"""
import json, os, re, sys
logs, out = sys.argv[1], sys.argv[2]
summary = {"steps": {}, "bench": {}, "tests": {}, "eval": None, "cublas": None,
           "eval_reference": "gan eval --n 10000 of dcgan28 trained on Fashion-MNIST's training "
           "split: the averaged generator's samples against 10000 training images, the floor "
           "against 10000 test images, the classifier trained on the training split: the "
           "reference of the README's tables, which were measured after 4685 steps, not 2000"}
try:
    summary["environment"] = open(os.path.join(logs, "environment.log")).read().splitlines()
except OSError:
    pass
for line in open(os.path.join(logs, "steps.tsv")):
    name, rc, sec = line.rstrip("\n").split("\t")
    summary["steps"][name] = {"exit": rc if rc == "skipped" else int(rc), "seconds": int(sec)}
def last_json(name):
    try:
        for line in reversed(open(os.path.join(logs, name + ".log")).read().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
    except (OSError, ValueError):
        pass
    return None
points = sorted({f[len("bench_gogan_"):-4] for f in os.listdir(logs) if f.startswith("bench_gogan_")})
variants = ("gogan", "gogantf32", "gogannograph", "torch", "torchfp32", "torchcompile")
for point in points:
    ms = {k: (last_json(f"bench_{k}_{point}") or {}).get("ms_per_step") for k in variants}
    row = {f"{k}_ms": v for k, v in ms.items() if v is not None}
    # Ratios above 1: gogan is faster. fp32 against fp32, TensorFloat-32 against PyTorch's
    # defaults (which use it in the convolutions) and against torch.compile.
    for mine, theirs in (("gogan", "torchfp32"), ("gogan", "torch"), ("gogantf32", "torch"), ("gogantf32", "torchcompile"), ("gogan", "torchcompile")):
        if ms[mine] and ms[theirs]:
            row[f"{theirs}_over_{mine}"] = round(ms[theirs] / ms[mine], 3)
    summary["bench"][point] = row
for f in sorted(os.listdir(logs)):
    if f.startswith("test_") and f.endswith(".log"):
        text = open(os.path.join(logs, f)).read()
        summary["tests"][f[5:-4]] = {"pass": len(re.findall(r"^\s*--- PASS", text, re.M)),
                                     "fail": len(re.findall(r"^\s*--- FAIL", text, re.M)),
                                     "skip": len(re.findall(r"^\s*--- SKIP", text, re.M)),
                                     "failed": re.findall(r"^\s*--- FAIL: (\S+)", text, re.M)}
summary["eval"] = last_json("eval")
try:
    summary["cublas"] = [l for l in open(os.path.join(logs, "info.log")) if l.startswith("cuBLAS")]
except OSError:
    pass
json.dump(summary, open(out, "w"), indent=1)
