#!/usr/bin/env bash
# Fails when a binary references a CUDA driver entry point that the emulated libcuda.so.1
# does not export (implemented, or a stub from cuda/emulator/driver_api.txt): after an
# upgrade of gorgonia.org/cu, add the new names to that list and regenerate the stubs with
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
echo "the emulated driver exports all $(echo "$wanted" | wc -l) driver entry points the binaries reference"
