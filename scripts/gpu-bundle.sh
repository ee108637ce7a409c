#!/usr/bin/env bash
# Builds, on a machine without a GPU, everything scripts/gpu-check.sh needs on a GPU machine
# that has no Go toolchain and no internet, into gpu-bundle/ (git-ignored):
#   bin/gan.gz         the cuda build of gan, stripped and compressed
#   tests/*.test.gz    the cuda test binaries, stripped and compressed
#   cgo/<pkg>/*.c      the C that cgo generated for every cuda-build package that includes
#                      cuda.h (gorgonia.org/cu and gogan's own), so that the GPU machine can
#                      compile it against its own toolkit's cuda.h (CUDA 13) with gogan's
#                      cuda/include first: the header check of a real CUDA 13 without Go
#   fashion-mnist/     Fashion-MNIST, both splits: gan eval scores against 10000 training
#                      images with the classifier trained on them, as the README's tables do
#   cache/             that classifier of gan eval
# The GPU machine receives the working tree and the bundle together, at most 64 MiB: the
# script fails if they would not fit.
# Usage: scripts/gpu-bundle.sh   (make gpu-bundle)
set -euo pipefail
cd "$(dirname "$0")/.."
out=gpu-bundle
fashion=${FASHION:-/usr/share/datasets/fashion-mnist}
export CGO_CPPFLAGS="-I$PWD/cuda/include ${CGO_CPPFLAGS:-}"

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
	[ -f "$fashion/$f" ] || { echo "gpu-bundle: no $fashion/$f (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
done
rm -rf "$out"
mkdir -p "$out/bin" "$out/tests" "$out/cgo" "$out/fashion-mnist" "$out/cache"

echo "== gan, cuda build"
go build -tags cuda -trimpath -ldflags='-s -w' -o "$out/bin/gan" ./cmd/gan

echo "== cuda test binaries"
for p in $(grep -rl --include='*_test.go' '^//go:build cuda' . | xargs -n1 dirname | sort -u); do
	name=$(echo "${p#./}" | tr / _)
	go test -c -tags cuda -trimpath -ldflags='-s -w' -o "$out/tests/$name.test" "$p"
done

echo "== the C of cgo for the packages that include cuda.h"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# cgo alone, on each package's cgo files with the flags the go command would give it: the C it
# writes (*.cgo2.c) is what the build compiles, without compiling anything.
go list -tags cuda -deps -f '{{if .CgoFiles}}{{.ImportPath}}|{{.Dir}}|{{join .CgoFiles " "}}|{{join .CgoCFLAGS " "}}{{end}}' ./cmd/gan |
	while IFS='|' read -r pkg dir files cflags; do
		grep -q '#include <cuda.h>' $(cd "$dir" && printf "$dir/%s " $files) || continue
		name=$(echo "$pkg" | tr './' '__')
		mkdir -p "$out/cgo/$name" "$work/$name"
		(cd "$dir" && go tool cgo -objdir "$work/$name" -importpath "$pkg" -- $CGO_CPPFLAGS $cflags $files)
		cp "$work/$name"/*.cgo2.c "$out/cgo/$name/"
		# The package's own headers, which its C includes by relative name.
		cp "$dir"/*.h "$out/cgo/$name/" 2>/dev/null || true
		echo "$pkg: $(ls "$out/cgo/$name" | wc -l) files"
	done
echo "== Fashion-MNIST and its classifier"
cp "$fashion"/train-*.gz "$fashion"/t10k-*.gz "$out/fashion-mnist/"
CGO_ENABLED=0 go build -o "$work/gan-cpu" ./cmd/gan
# The classifier trains on the training split on first use; one small evaluation makes it.
"$work/gan-cpu" eval --dataset fashion-mnist --data "$out/fashion-mnist" --cache "$out/cache" --n 200 >/dev/null

# gzip halves the binaries, so that the tree and the bundle travel together under 64 MiB;
# gpu-check.sh unpacks them.
gzip -9 "$out"/bin/gan "$out"/tests/*.test
du -sh "$out" "$out"/*

# What travels: the tracked and untracked-but-not-ignored files, and the bundle.
limit=$((64 << 20))
tree=$(git ls-files -z --cached --others --exclude-standard | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
bundle_bytes=$(find "$out" -type f -print0 | xargs -0 stat -c %s | awk '{s += $1} END {print s + 0}')
total=$((tree + bundle_bytes))
echo "travels: $((total >> 20)) MiB of $((limit >> 20)) (tree $((tree >> 20)) MiB, bundle $((bundle_bytes >> 20)) MiB)"
if [ "$total" -gt "$limit" ]; then
	echo "gpu-bundle: the tree and the bundle come to $total bytes, over the $limit that a GPU machine receives" >&2
	exit 1
fi
