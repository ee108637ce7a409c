#!/usr/bin/env bash
# The GPU check: one short run on a machine with an NVIDIA GPU, no Go toolchain and no
# internet, that tells everything about the CUDA backend there. Build its inputs first on any
# machine with `make gpu-bundle`, copy the tree with gpu-bundle/ to the GPU machine, and run
# from the repository root:
#
#     scripts/gpu-check.sh RESULTS_DIR
#
# Within about 8 minutes it records, each step under a time limit of its own so that one
# stuck step cannot cost the rest:
#   - nvidia-smi, the driver, and the cuBLAS gan finds (gan info);
#   - the header check: the C that cgo made for gorgonia.org/cu and gogan, compiled against
#     this machine's cuda.h (CUDA 13) without and then with gogan's cuda/include first; and,
#     where Go is installed, make build-cuda from source;
#   - the cuda test binaries (GOGAN_CUDA_REQUIRE=1 -test.v), and compute-sanitizer's race
#     check of the reductions where the sanitizer works;
#   - gan bench --device cuda (float32, TensorFloat-32, and once without the CUDA graph) beside
#     PyTorch eager (its defaults, and float32 throughout) and torch.compile for dcgan28 at
#     batch 64 and 512 and dcgan64 at batch 64 and 256;
#   - dcgan28 trained for 2000 steps on the Fashion-MNIST test split, its sample grid and
#     gan eval's figures.
# RESULTS_DIR receives summary.json, grid.png, loss.png, tests.log and logs.tar.gz (every log).
#
# For a rehearsal on the emulated GPU (make emulator; LD_LIBRARY_PATH and GOGAN_CUBLAS set as
# make test-cuda-emu sets them), GPU_CHECK_POINTS, GPU_CHECK_BENCH_STEPS, GPU_CHECK_STEPS and
# GPU_CHECK_EVAL_N shrink the benchmark points, the training run and the evaluation.
set -uo pipefail
cd "$(dirname "$0")/.."

results=${1:?usage: scripts/gpu-check.sh RESULTS_DIR}
bundle=gpu-bundle
mkdir -p "$results/logs"
logs=$results/logs
steps=$logs/steps.tsv
: >"$steps"
start=$SECONDS
[ -f "$bundle/bin/gan.gz" ] || { echo "gpu-check: no $bundle/bin/gan.gz: run make gpu-bundle first" >&2; exit 2; }
bin=$(mktemp -d)
for f in "$bundle"/bin/*.gz "$bundle"/tests/*.gz; do
	gzip -dc "$f" >"$bin/$(basename "$f" .gz)" && chmod +x "$bin/$(basename "$f" .gz)"
done
gan=$bin/gan
# GOGAN_CUDA_REQUIRE makes a test binary that finds no GPU fail instead of skipping.
export GOGAN_CACHE=$PWD/$bundle/cache PYTHONUNBUFFERED=1 GOGAN_CUDA_REQUIRE=1

# step NAME SECONDS COMMAND...: runs COMMAND with its output in logs/NAME.log and records its
# exit status and duration.
step() {
	local name=$1 limit=$2 t0=$SECONDS rc
	shift 2
	printf '\n== %s (at %ds)\n' "$name" $((SECONDS - start))
	timeout --kill-after=10 "$limit" "$@" >"$logs/$name.log" 2>&1
	rc=$?
	tail -n 25 "$logs/$name.log"
	printf '%s\t%d\t%d\n' "$name" "$rc" $((SECONDS - t0)) >>"$steps"
	echo "-- $name: exit $rc in $((SECONDS - t0))s"
	return $rc
}

step machine 30 bash -c 'nvidia-smi; echo; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv; echo; uname -a; python3 -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda)"'
step info 60 "$gan" info

# The real CUDA 13 header: cgo's C for every package that includes cuda.h.
cuda_inc=""
for d in /usr/local/cuda/include /usr/local/cuda-13*/include /usr/include; do
	[ -f "$d/cuda.h" ] && cuda_inc=$d && break
done
header_check() {
	local with=$1 flags=(-fsyntax-only -w -Werror=implicit-function-declaration -Werror=incompatible-pointer-types -Werror=int-conversion)
	grep -m1 'define CUDA_VERSION' "$cuda_inc/cuda.h"
	local bad=0 f
	for f in "$bundle"/cgo/*/*.c; do
		if [ "$with" = with ]; then
			gcc "${flags[@]}" -I cuda/include -I "$cuda_inc" "$f" || { echo "FAIL $f"; bad=1; }
		else
			gcc "${flags[@]}" -I "$cuda_inc" "$f" >/dev/null 2>&1 || { echo "does not compile: $f"; bad=1; }
		fi
	done
	return $bad
}
if [ -n "$cuda_inc" ]; then
	# timeout runs a program, so the function goes to it through bash.
	export -f header_check
	export cuda_inc bundle
	step header_without_wrapper 60 bash -c 'header_check without'
	step header_with_wrapper 60 bash -c 'header_check with'
else
	echo "no cuda.h on this machine: header check skipped" | tee "$logs/header_with_wrapper.log"
fi
if command -v go >/dev/null; then
	step build_from_source 240 make build-cuda
fi

for t in "$bin"/*.test; do
	name=$(basename "$t" .test)
	# Go runs a test binary in its package's folder, where its test data lie.
	step "test_$name" 240 bash -c 'cd "$1" && exec "$2" -test.v -test.timeout 230s' _ "$(echo "$name" | tr _ /)" "$t"
done
cp "$logs/test_cuda.log" "$results/tests.log" 2>/dev/null
if command -v compute-sanitizer >/dev/null; then
	# The block reductions (BatchNorm statistics, the losses, the bias sums) under racecheck.
	step racecheck 90 bash -c 'cd cuda && exec compute-sanitizer --tool racecheck --error-exitcode 9 "$1" -test.run "TestBatchNormParity/N4_|TestLogitLossParity/term0_N1000|TestLinearParity"' _ "$bin/cuda.test"
fi

# At each point: gogan in float32 (with its CUDA graph) and with TensorFloat-32 products;
# PyTorch eager with its defaults (TensorFloat-32 in cuDNN's convolutions), in float32
# throughout, and under torch.compile. Without the graph only at the first point.
first=1
for point in ${GPU_CHECK_POINTS:-dcgan28:64 dcgan28:512 dcgan64:64 dcgan64:256}; do
	arch=${point%:*} batch=${point#*:}
	n=${GPU_CHECK_BENCH_STEPS:-50}
	common=(--arch "$arch" --batch-size "$batch" --steps "$n" --warmup "$((n < 10 ? n : 10))" --json)
	step "bench_gogan_${arch}_$batch" 60 "$gan" bench --device cuda "${common[@]}"
	step "bench_gogantf32_${arch}_$batch" 60 "$gan" bench --device cuda --tf32 "${common[@]}"
	if [ $first = 1 ]; then
		step "bench_gogannograph_${arch}_$batch" 60 "$gan" bench --device cuda --cuda-graph=false "${common[@]}"
		first=0
	fi
	step "bench_torch_${arch}_$batch" 60 python3 scripts/bench_torch.py --device cuda "${common[@]}"
	step "bench_torchfp32_${arch}_$batch" 60 python3 scripts/bench_torch.py --device cuda --precision fp32 "${common[@]}"
	step "bench_torchcompile_${arch}_$batch" 120 python3 scripts/bench_torch.py --device cuda --compile "${common[@]}"
done

run=$results/run
step train 150 "$gan" train --device cuda --dataset fashion-mnist --data "$bundle/fashion-mnist" --split test \
	--steps "${GPU_CHECK_STEPS:-2000}" --out "$run" --sample-every 1000 --checkpoint-every 1000
step eval 120 "$gan" eval --device cuda --checkpoint "$run/checkpoints/latest.safetensors" --data "$bundle/fashion-mnist" --n "${GPU_CHECK_EVAL_N:-10000}" --json
cp "$run/samples/step_${GPU_CHECK_STEPS:-2000}.png" "$results/grid.png" 2>/dev/null
cp "$run/loss.png" "$results/loss.png" 2>/dev/null
cp "$run/metrics.jsonl" "$logs/" 2>/dev/null

# The summary: every step's status, the benchmark figures side by side, the test counts and
# the evaluation.
python3 - "$logs" "$results/summary.json" <<'PY'
import json, os, re, sys
logs, out = sys.argv[1], sys.argv[2]
summary = {"steps": {}, "bench": {}, "tests": {}, "eval": None, "cublas": None}
for line in open(os.path.join(logs, "steps.tsv")):
    name, rc, sec = line.rstrip("\n").split("\t")
    summary["steps"][name] = {"exit": int(rc), "seconds": int(sec)}
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
print(json.dumps(summary, indent=1))
PY
tar -czf "$results/logs.tar.gz" -C "$results" logs
rm -rf "$logs" "$run"
echo "gpu-check: done in $((SECONDS - start))s; results in $results"
