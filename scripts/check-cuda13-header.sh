#!/usr/bin/env bash
# Checks, without CUDA 13, that the cuda build compiles against CUDA 13's cuda.h.
#
# It makes a stand-in of CUDA 13's cuda.h from the installed (CUDA 11 or 12) one: the same
# header with CUDA 13's remaps appended, declared from NVIDIA's documented signatures:
# cuCtxCreate becomes cuCtxCreate_v4, which takes a CUctxCreateParams*, and cuMemAdvise and
# cuMemPrefetchAsync become their _v2 forms, which take a CUmemLocation. Then:
#   1. gorgonia.org/cu alone against the stand-in must fail as it does with CUDA 13, on the
#      CUctxCreateParams and CUmemLocation arguments: otherwise it reproduces nothing;
#   2. the cuda build with gogan's cuda/include first on the include path must succeed.
#
# Usage: scripts/check-cuda13-header.sh [path of the toolkit's cuda.h]
set -euo pipefail
cd "$(dirname "$0")/.."

real=${1:-}
if [ -z "$real" ]; then
	for c in /usr/include/cuda.h /usr/local/cuda/include/cuda.h; do
		[ -f "$c" ] && real=$c && break
	done
fi
[ -f "$real" ] || { echo "check-cuda13-header: no cuda.h found; install the CUDA toolkit's headers" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/standin"
{
	cat "$real"
	cat <<'H'

/* CUDA 13's remaps of the context and unified-memory calls, as cuda.h 13.0 declares them. */
#ifndef GOGAN_CUDA13_STANDIN
#define GOGAN_CUDA13_STANDIN
#ifdef __cplusplus
extern "C" {
#endif
#if CUDA_VERSION < 12050
typedef struct CUctxCreateParams_st CUctxCreateParams;
#endif
#undef CUDA_VERSION
#define CUDA_VERSION 13000
#undef cuCtxCreate
#define cuCtxCreate cuCtxCreate_v4
CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, CUctxCreateParams *ctxCreateParams, unsigned int flags, CUdevice dev);
#undef cuMemAdvise
#define cuMemAdvise cuMemAdvise_v2
CUresult CUDAAPI cuMemAdvise(CUdeviceptr devPtr, size_t count, CUmem_advise advice, CUmemLocation location);
#undef cuMemPrefetchAsync
#define cuMemPrefetchAsync cuMemPrefetchAsync_v2
CUresult CUDAAPI cuMemPrefetchAsync(CUdeviceptr devPtr, size_t count, CUmemLocation location, unsigned int flags, CUstream hStream);
#ifdef __cplusplus
}
#endif
#endif
H
} >"$tmp/standin/cuda.h"

echo "== gorgonia.org/cu against the CUDA 13 stand-in, without gogan's header: must fail"
if CGO_CPPFLAGS="-I$tmp/standin" go build -tags cuda -o /dev/null gorgonia.org/cu >"$tmp/without.log" 2>&1; then
	echo "FAIL: cu built against the stand-in header; it does not reproduce CUDA 13's break" >&2
	exit 1
fi
for want in 'call to (_Cfunc_cuCtxCreate)' CUctxCreateParams CUmemLocation; do
	if ! grep -qF "$want" "$tmp/without.log"; then
		cat "$tmp/without.log" >&2
		echo "FAIL: cu failed against the stand-in, but not with $want in the error" >&2
		exit 1
	fi
done
grep -F -A2 'call to (_Cfunc_cuCtxCreate)' "$tmp/without.log" | head -3

echo "== the cuda build against the stand-in, with gogan's cuda/include first: must build"
CGO_CPPFLAGS="-I$PWD/cuda/include -I$tmp/standin" go build -tags cuda -o /dev/null ./cmd/gan
CGO_CPPFLAGS="-I$PWD/cuda/include -I$tmp/standin" go vet -tags cuda ./cuda/ ./cuda/internal/...
echo "ok: the cuda build compiles against CUDA 13's declarations"
