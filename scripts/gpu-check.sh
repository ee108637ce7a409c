#!/usr/bin/env bash
# The GPU check: one short run on a machine with an NVIDIA GPU, no Go toolchain and no
# internet, that tells everything about the CUDA backend there. Build its inputs first on any
# machine with `make gpu-bundle`, copy the tree with gpu-bundle/ to the GPU machine, and run
# from the repository root:
#
#     scripts/gpu-check.sh RESULTS_DIR [DEADLINE_SECONDS]
#
# Within DEADLINE_SECONDS (default 540) it records, in order of value, each step under a time
# limit of its own cut to what is left of the deadline, so that one stuck step cannot cost the
# rest; a step that no longer fits is recorded as skipped:
#   - nvidia-smi, the driver, and the cuBLAS gan finds (gan info);
#   - the preflight: every embedded kernel module loaded, its SASS for this GPU and its PTX
#     through the driver's JIT compiler, each image named (TestKernelImages), before any test
#     launches a kernel;
#   - the header check: the C that cgo made for gorgonia.org/cu and gogan, compiled against
#     this machine's cuda.h (CUDA 13) without and then with gogan's cuda/include first; and,
#     where Go is installed, make build-cuda from source;
#   - the cuda test binaries (GOGAN_CUDA_REQUIRE=1 -test.v), and compute-sanitizer's race
#     check of the reductions where the sanitizer works;
#   - gan bench --device cuda (float32, TensorFloat-32, and once without the CUDA graph) beside
#     PyTorch eager (its defaults, and float32 throughout) and torch.compile for dcgan28 at
#     batch 64 and 512 and dcgan64 at batch 64 and 256;
#   - dcgan28 trained for 2000 steps on the Fashion-MNIST training split, its sample grid and
#     gan eval's figures against 10000 training images, the reference of the README's tables.
# RESULTS_DIR receives summary.json and logs.tar.gz (every log), both written before the
# first step and rewritten after every step, so that a run cut off at any point leaves them,
# and grid.png, loss.png and tests.log: five files at most, seven while a rewrite is under
# way (GPU machines send back eight). Logs and run folders live in a temporary folder.
#
# For a rehearsal on the emulated GPU (LD_LIBRARY_PATH and GOGAN_CUBLAS set as make
# test-cuda-emu sets them; scripts/gpu-check-rehearsal.sh): GPU_CHECK_BUNDLE names another
# bundle folder, GPU_CHECK_HANG_AFTER=STEP adds a step that hangs after STEP,
# and GPU_CHECK_POINTS, GPU_CHECK_BENCH_STEPS, GPU_CHECK_STEPS and GPU_CHECK_EVAL_N shrink the
# benchmark points, the training run and the evaluation.
set -uo pipefail
cd "$(dirname "$0")/.."

results=${1:?usage: scripts/gpu-check.sh RESULTS_DIR [DEADLINE_SECONDS]}
deadline=${2:-540}
bundle=${GPU_CHECK_BUNDLE:-gpu-bundle}
start=$SECONDS
mkdir -p "$results"
work=$(mktemp -d)
logs=$work/logs
mkdir -p "$logs"
steps=$logs/steps.tsv
: >"$steps"
# PyTorch's venv first, where it exists: its python3 has torch and its wheels hold cuBLAS.
if [ -d /opt/torch/.venv/bin ]; then
	export PATH=/opt/torch/.venv/bin:$PATH
fi
if [ -z "${GOGAN_CUBLAS:-}" ]; then
	wheel=$(ls /opt/torch/.venv/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.* 2>/dev/null | head -n 1)
	[ -n "$wheel" ] && export GOGAN_CUBLAS=$wheel
fi
{ echo "PATH=$PATH"; echo "python3=$(command -v python3)"; echo "GOGAN_CUBLAS=${GOGAN_CUBLAS:-}"; } | tee "$logs/environment.log"
[ -f "$bundle/bin/gan.gz" ] || { echo "gpu-check: no $bundle/bin/gan.gz: run make gpu-bundle first" >&2; exit 2; }
bin=$work/bin
mkdir -p "$bin"
shopt -s nullglob
for f in "$bundle"/bin/*.gz "$bundle"/tests/*.gz; do
	gzip -dc "$f" >"$bin/$(basename "$f" .gz)" && chmod +x "$bin/$(basename "$f" .gz)"
done
gan=$bin/gan
# GOGAN_CUDA_REQUIRE makes a test binary that finds no GPU fail instead of skipping.
export GOGAN_CACHE=$PWD/$bundle/cache PYTHONUNBUFFERED=1 GOGAN_CUDA_REQUIRE=1

# step NAME SECONDS COMMAND...: runs COMMAND with its output in NAME.log under a limit of
# SECONDS cut to what is left of the deadline (less 15 s for the summary), records its exit
# status and duration, or "skipped" when less than 5 s are left, and rewrites the results.
step() {
	local name=$1 limit=$2 t0=$SECONDS rc left
	shift 2
	left=$((deadline - 15 - (SECONDS - start)))
	[ "$limit" -gt "$left" ] && limit=$left
	if [ "$limit" -lt 5 ]; then
		printf '%s\tskipped\t0\n' "$name" >>"$steps"
		echo "-- $name: skipped, ${left}s left of the deadline"
		# The first skip is summarised at once, the others with the last summary: rewriting
		# the results for each would outlast the deadline.
		[ -z "${skipping:-}" ] && summarize
		skipping=1
		return 1
	fi
	printf '\n== %s (at %ds, limit %ds)\n' "$name" $((SECONDS - start)) "$limit"
	timeout --kill-after=5 "$limit" "$@" >"$logs/$name.log" 2>&1
	rc=$?
	tail -n 25 "$logs/$name.log"
	printf '%s\t%d\t%d\n' "$name" "$rc" $((SECONDS - t0)) >>"$steps"
	echo "-- $name: exit $rc in $((SECONDS - t0))s"
	summarize
	# The rehearsal's stuck step: only the deadline ends it.
	[ "${GPU_CHECK_HANG_AFTER:-}" = "$name" ] && step hang 100000 sleep 100000
	return $rc
}

# summarize rewrites summary.json and logs.tar.gz in the results folder, each atomically.
summarize() {
	python3 scripts/gpu-summary.py "$logs" "$results/summary.json.tmp" >/dev/null 2>"$logs/summary.err" &&
		mv "$results/summary.json.tmp" "$results/summary.json"
	tar -czf "$results/logs.tar.gz.tmp" -C "$work" logs && mv "$results/logs.tar.gz.tmp" "$results/logs.tar.gz"
}

# Each command's status on a line of its own ("status N: command"); the step fails if any did.
machine() {
	local bad=0 c
	for c in 'nvidia-smi' 'nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv' 'uname -a' \
		'python3 -c "import torch; print(\"torch\", torch.__version__, \"cuda\", torch.version.cuda, torch.cuda.is_available())"' \
		'command -v compute-sanitizer nvcc cuobjdump'; do
		echo "\$ $c"
		bash -c "$c"
		local rc=$?
		echo "status $rc: $c"
		[ $rc = 0 ] || bad=1
	done
	return $bad
}
export -f machine
summarize
step machine 30 bash -c machine
step info 60 "$gan" info
# Every kernel module loaded both ways before the first launch: a module the driver cannot
# take fails here, named, rather than as a failed launch deep in the tests.
if [ -x "$bin/cuda.test" ]; then
	step preflight 90 bash -c 'cd cuda && exec "$1" -test.run "^TestKernelImages$" -test.v' _ "$bin/cuda.test"
fi

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
	# CUDA 13's cuda.h is expected to break cgo's C without gogan's wrapper: the step records
	# that expectation as exit 0, and exit 1 if the header compiles after all.
	step header_without_wrapper_fails_as_expected 60 bash -c '! header_check without'
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
	# The block reductions (BatchNorm statistics, the losses, the bias sums) under racecheck,
	# cuBLAS's kernels left out (NVIDIA's to check): a kernel-name filter is one substring, and
	# cuBLAS's GEMM kernels, unlike any of gogan's (cuda/kernels), all have "gemm" in their names.
	step racecheck 90 bash -c 'cd cuda && exec compute-sanitizer --tool racecheck --kernel-name-exclude kns=gemm --error-exitcode 9 "$1" -test.run "TestBatchNormParity/N4_|TestLogitLossParity/term0_N1000|TestLinearParity"' _ "$bin/cuda.test"
else
	echo "no compute-sanitizer on this machine" >"$logs/racecheck.log"
	printf 'racecheck\tskipped\t0\n' >>"$steps"
	summarize
fi

run=$work/run
step train 150 "$gan" train --device cuda --dataset fashion-mnist --data "$bundle/fashion-mnist" --split train \
	--steps "${GPU_CHECK_STEPS:-2000}" --out "$run" --sample-every 1000 --checkpoint-every 1000
cp "$run/metrics.jsonl" "$logs/" 2>/dev/null
cp "$run/samples/step_${GPU_CHECK_STEPS:-2000}.png" "$results/grid.png" 2>/dev/null
cp "$run/loss.png" "$results/loss.png" 2>/dev/null
step eval 120 "$gan" eval --device cuda --checkpoint "$run/checkpoints/latest.safetensors" --data "$bundle/fashion-mnist" --n "${GPU_CHECK_EVAL_N:-10000}" --json

# The benchmarks, gogan's first, then PyTorch eager, torch.compile last (cold compiles take
# up to 120 s each). gogan in float32 (with its CUDA graph), with TensorFloat-32 products,
# and without the graph at the first point; PyTorch with its defaults (TensorFloat-32 in
# cuDNN's convolutions) and in float32 throughout.
points=${GPU_CHECK_POINTS:-dcgan28:64 dcgan28:512 dcgan64:64 dcgan64:256}
bench_args() {
	local n=${GPU_CHECK_BENCH_STEPS:-50}
	common=(--arch "${1%:*}" --batch-size "${1#*:}" --steps "$n" --warmup "$((n < 10 ? n : 10))" --json)
}
first=1
for point in $points; do
	bench_args "$point"
	tag=${point/:/_}
	step "bench_gogan_$tag" 60 "$gan" bench --device cuda "${common[@]}"
	step "bench_gogantf32_$tag" 60 "$gan" bench --device cuda --tf32 "${common[@]}"
	if [ $first = 1 ]; then
		step "bench_gogannograph_$tag" 60 "$gan" bench --device cuda --cuda-graph=false "${common[@]}"
		first=0
	fi
done
for point in $points; do
	bench_args "$point"
	step "bench_torch_${point/:/_}" 60 python3 scripts/bench_torch.py --device cuda "${common[@]}"
	step "bench_torchfp32_${point/:/_}" 60 python3 scripts/bench_torch.py --device cuda --precision fp32 "${common[@]}"
done
for point in $points; do
	bench_args "$point"
	step "bench_torchcompile_${point/:/_}" 120 python3 scripts/bench_torch.py --device cuda --compile "${common[@]}"
done
summarize
rm -rf "$work"
echo "gpu-check: done in $((SECONDS - start))s; results in $results"
