#!/usr/bin/env bash
# A cuda build of gan where no GPU is usable (make test-cuda-emu runs it): with no driver
# library, with a driver that finds no device, and with a driver too old for the kernels,
# help, train -h, info and --device cpu must work, info must say why there is no GPU, and
# --device cuda must fail with one line that names the cause and says --device cpu.
#
#   scripts/cuda-nogpu.sh GAN EMULATOR_DIR
set -uo pipefail
gan=${1:?usage: cuda-nogpu.sh GAN EMULATOR_DIR}
emu=${2:?usage: cuda-nogpu.sh GAN EMULATOR_DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL ($case): $*" >&2; failed=1; }

# expect CAUSE ENV...: runs the checks with ENV set, expecting CAUSE in info and in the error.
expect() {
	local cause=$1 out rc
	shift
	echo "== $case"
	for cmd in "help" "train -h"; do
		out=$(env "$@" "$gan" $cmd 2>&1)
		rc=$?
		[ $rc = 0 ] || fail "gan $cmd exited $rc: $(echo "$out" | tail -n 2)"
	done
	out=$(env "$@" "$gan" info 2>&1)
	rc=$?
	echo "$out" | grep 'gpus:'
	[ $rc = 0 ] || fail "gan info exited $rc"
	grep -q "gpus: not usable: .*$cause" <<<"$out" || fail "gan info does not say '$cause': $out"
	out=$(env "$@" "$gan" bench --device cpu --arch dcgan28 --batch-size 2 --steps 1 --warmup 0 --json 2>&1)
	rc=$?
	[ $rc = 0 ] && grep -q '"ms_per_step"' <<<"$out" || fail "gan bench --device cpu: exit $rc: $out"
	# --device cuda is the default of this build.
	out=$(env "$@" "$gan" train --dataset fashion-mnist --split test --steps 1 --out "$tmp/run" 2>&1)
	rc=$?
	echo "train: $out"
	[ $rc != 0 ] || fail "gan train on the default device succeeded without a GPU"
	[ "$(echo "$out" | wc -l)" = 1 ] || fail "gan train's error is not one line"
	grep -q "$cause" <<<"$out" || fail "gan train's error does not say '$cause'"
	grep -q -- '--device cpu' <<<"$out" || fail "gan train's error does not suggest --device cpu"
	[ ! -e "$tmp/run" ] || fail "gan train made its run folder before finding there is no GPU"
}

case="no driver library" expect "no NVIDIA driver library" GOGAN_CUDA_DRIVER="$tmp/none/libcuda.so.1"
case="no device" expect "CUDA_ERROR_NO_DEVICE" LD_LIBRARY_PATH="$emu" GOGAN_EMU_NO_DEVICE=1
case="driver too old" expect "update the driver" LD_LIBRARY_PATH="$emu" GOGAN_EMU_DRIVER_VERSION=11000
exit $failed
