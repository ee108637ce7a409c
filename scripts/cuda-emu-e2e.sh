#!/usr/bin/env bash
# The cuda gan end to end on the emulated GPU (make test-cuda-emu sets up the environment):
# gan info must say the device is emulated, then a few training steps on Fashion-MNIST's
# test split, a sample grid from the checkpoint, and a short benchmark, each on --device
# cuda. The sizes are tiny: the point is that every path runs, not what it learns.
#
#   scripts/cuda-emu-e2e.sh path/to/gan-built-with-tags-cuda
set -euo pipefail
gan=${1:?usage: cuda-emu-e2e.sh GAN}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

info=$("$gan" info)
echo "$info"
grep -q 'emulated' <<<"$info" || fail "gan info does not say the device is emulated"

"$gan" train --device cuda --dataset fashion-mnist --split test --steps 6 --batch-size 16 \
	--nz 16 --ngf 8 --ndf 8 --sample-every 3 --checkpoint-every 6 --seed 3 --out "$tmp/run"
ckpt=$tmp/run/checkpoints/latest.safetensors
[ -s "$ckpt" ] || { ls -R "$tmp/run"; fail "training wrote no checkpoint"; }
"$gan" generate --device cuda --checkpoint "$ckpt" --n 16 --nrow 4 --out "$tmp/grid.png"
[ -s "$tmp/grid.png" ] || fail "generate wrote no grid"
# The same latents through the CPU backend give the same grid: the device path is the one at fault otherwise.
"$gan" generate --device cpu --checkpoint "$ckpt" --n 16 --nrow 4 --out "$tmp/grid-cpu.png"
cmp -s "$tmp/grid.png" "$tmp/grid-cpu.png" && echo "generate: the cuda and cpu grids are the same bytes" ||
	echo "generate: the cuda and cpu grids differ in some pixels (rounding of the last bit may flip a pixel)"

bench=$("$gan" bench --device cuda --arch dcgan28 --batch-size 16 --steps 2 --warmup 1 --json)
echo "bench: $bench"
grep -q '"ms_per_step"' <<<"$bench" || fail "bench printed no ms_per_step"
echo "end to end on the emulated GPU: ok"
