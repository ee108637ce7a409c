#!/usr/bin/env bash
# Fails when a binary calls a CUDA driver entry point that bypasses gogan's trampolines
# (cuda/internal/guard: an undefined cu* symbol, or libcuda.so.1 linked), or when the emulated
# libcuda.so.1 does not export (implemented, or a stub) an entry point that the trampolines
# forward, which are those of cuda/emulator/driver_api.txt: after an upgrade of
# gorgonia.org/cu, add the new names to that list and regenerate the stubs and trampolines with
# go run ./cuda/internal/genptx -dir cuda/kernels -sources and
# go generate -tags cuda ./cuda/internal/guard.
#
#   scripts/check-emulator-symbols.sh LIBCUDA BINARY...
set -euo pipefail
lib=${1:?usage: check-emulator-symbols.sh LIBCUDA BINARY...}
shift
here=$(dirname "$0")/..
defined=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)
wanted=$(grep '^cu[A-Z]' "$here/cuda/emulator/driver_api.txt" | sort -u)
missing=$(comm -23 <(echo "$wanted") <(echo "$defined"))
if [ -n "$missing" ]; then
	echo "FAIL: the emulated driver lacks entry points that the trampolines forward:" >&2
	echo "$missing" >&2
	exit 1
fi
for b in "$@"; do
	direct=$(nm -D --undefined-only "$b" | awk '$2 ~ /^cu[A-Z]/ {print $2}')
	if [ -n "$direct" ] || readelf -d "$b" | grep -q 'NEEDED.*libcuda'; then
		echo "FAIL: $b calls the driver past gogan's trampolines (add these to cuda/emulator/driver_api.txt):" >&2
		echo "${direct:-libcuda.so.1 is linked}" >&2
		exit 1
	fi
done
echo "the emulated driver exports all $(echo "$wanted" | wc -l) driver entry points the trampolines forward; the binaries reach the driver only through them"
