#!/usr/bin/env bash
# Fails when a binary references a CUDA driver entry point that the emulated libcuda.so.1
# does not export (implemented, or a stub from cuda/emulator/driver_api.txt), or one that
# driver_api.txt does not list: after an upgrade of gorgonia.org/cu or a new call in gogan's
# cgo code, add the new names to that list and regenerate the stubs with
# go run ./cuda/internal/genptx -dir cuda/kernels -sources.
#
#   scripts/check-emulator-symbols.sh LIBCUDA BINARY...
set -euo pipefail
lib=${1:?usage: check-emulator-symbols.sh LIBCUDA BINARY...}
shift
defined=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
wanted=$(for b in "$@"; do nm -D --undefined-only "$b" | awk '$2 ~ /^cu[A-Z]/ {print $2}'; done | sort -u)
missing=$(comm -23 <(echo "$wanted") <(echo "$defined"))
if [ -n "$missing" ]; then
	echo "FAIL: the emulated driver lacks entry points that $* reference:" >&2
	echo "$missing" >&2
	exit 1
fi
# The list is what the stubs are made from and what says which entry points gogan uses: it
# must name those the emulator implements too.
list=$(dirname "$0")/../cuda/emulator/driver_api.txt
unlisted=$(comm -23 <(echo "$wanted") <(grep -v '^#' "$list" | sort -u))
if [ -n "$unlisted" ]; then
	echo "FAIL: cuda/emulator/driver_api.txt does not list entry points that $* reference (add them and regenerate the stubs):" >&2
	echo "$unlisted" >&2
	exit 1
fi
echo "the emulated driver exports all $(echo "$wanted" | wc -l) driver entry points the binaries reference"
