#!/usr/bin/env bash
# The CUDA checks of CI, on a machine without a GPU: install Debian's CUDA toolkit, vet the
# cuda build, build the cuda gan and compile the cuda test binaries (checking that they link
# no cuBLAS), run the cuda tests that need no GPU, regenerate the PTX and SASS and fail if
# they differ from what is committed, check the SASS with cuobjdump, and print what ptxas
# makes of the PTX for sm_80 and sm_90.
#
# Every step is idempotent: a second run installs nothing. Run as root (for apt-get) from
# anywhere in the repository: bash .ci/cuda.sh
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"

# gogan's cuda.h wrapper first on the include path, as the Makefile's CUDA targets put it.
export CGO_CPPFLAGS="-I$PWD/cuda/include ${CGO_CPPFLAGS:-}"

start=$SECONDS
step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - start)); }

# Debian ships the toolkit in non-free (and the parts it needs in contrib).
enable_nonfree() {
	local src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed -i -E '/^Components:/{/ contrib( |$)/!s/$/ contrib/;/ non-free( |$)/!s/$/ non-free/}' "$src"
	fi
	if [ -f /etc/apt/sources.list ]; then
		sed -i -E '/^deb .* main/{/ contrib( |$)/!s/$/ contrib/;/ non-free( |$)/!s/$/ non-free/}' /etc/apt/sources.list
	fi
}

step "CUDA toolkit"
if dpkg -s nvidia-cuda-toolkit nvidia-cuda-dev >/dev/null 2>&1; then
	echo "installed already"
else
	enable_nonfree
	apt-get update -q
	# Without the recommended packages, which would bring the NVIDIA kernel driver's build.
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nvidia-cuda-toolkit nvidia-cuda-dev
fi
nvcc --version | tail -n 2

step "go vet -tags cuda"
# gorgonia.org/gorgonia has a cuda build tag of its own, and its CUDA build needs cuDNN, which
# Debian cannot install offline: the packages whose tests use gorgonia (the CPU backend's
# oracle tests) have no cuda files and are vetted by the plain build instead.
listing=$(go list -tags cuda -e -test -f '{{if .ForTest}}{{.ForTest}}{{else}}{{.ImportPath}}{{end}} {{join .Deps " "}}' ./... |
	awk '$1 !~ /\.test$/ { p[$1] = 1; if ($0 ~ / gorgonia\.org\/gorgonia( |$)/) x[$1] = 1 }
	     END { for (k in p) print ((k in x) ? "skip " : "vet ") k }' | sort)
echo "$listing" | grep '^skip ' || true
go vet -tags cuda $(echo "$listing" | awk '$1 == "vet" {print $2}')

step "the plain build stays pure Go"
CGO_ENABLED=0 go build ./cuda/... ./cmd/gan

# check_links lists the NVIDIA libraries a binary needs: none since the driver is opened at run
# time (cuda/internal/guard), and cuBLAS is loaded at run time over the sonames of CUDA 11,
# 12 and 13; libcuda.so.1 alone is tolerated here, and refused by check-emulator-symbols.sh.
check_links() {
	local bin=$1 libs
	libs=$(ldd "$bin" | awk '{print $1}' | grep -E '^lib(cuda|cublas|cudart|nv)' || true)
	echo "$bin needs: ${libs:-no NVIDIA library}"
	if [ -n "$(echo "$libs" | grep -v '^libcuda\.so\.1$' | grep . || true)" ]; then
		echo "FAIL: $bin links NVIDIA libraries other than libcuda.so.1" >&2
		return 1
	fi
}

step "build the cuda gan"
go build -tags cuda -o /tmp/gan-cuda ./cmd/gan
check_links /tmp/gan-cuda

step "compile the cuda test binaries"
pkgs=$(grep -rl --include='*_test.go' '^//go:build cuda' . | xargs -n1 dirname | sort -u)
mkdir -p /tmp/cuda-tests
for p in $pkgs; do
	out=/tmp/cuda-tests/$(echo "${p#./}" | tr / _).test
	go test -tags cuda -c -o "$out" "$p"
	check_links "$out"
done

step "run the cuda tests that need no GPU"
# Without a GPU the test binaries of package cuda report why and run nothing.
go test -tags cuda ./cuda/...

step "CUDA 13's cuda.h: a stand-in made from this toolkit's"
CGO_CPPFLAGS= scripts/check-cuda13-header.sh

step "the committed PTX, SASS and driver trampolines are what the sources give"
go generate ./cuda
go generate -tags cuda ./cuda/internal/guard
if ! git diff --exit-code --stat -- cuda/kernels cuda/internal/guard || [ -n "$(git status --porcelain -- cuda/kernels cuda/internal/guard)" ]; then
	git status --short -- cuda/kernels cuda/internal/guard
	echo "FAIL: cuda/kernels/*.ptx or *.cubin differ from the .cu sources: run go generate ./cuda and commit them" >&2
	exit 1
fi

step "cuobjdump: the embedded SASS"
scripts/check-sass.sh cuda/kernels

step "ptxas: registers and spills"
for arch in sm_80 sm_90; do
	for f in cuda/kernels/*.ptx; do
		ptxas -arch="$arch" -v "$f" -o /dev/null 2>&1
	done | awk -v arch="$arch" '
		/Compiling entry function/ { name = $7; gsub(/[\x27]/, "", name) }
		/spill stores/ { stores = $5; loads = $9 }
		/Used [0-9]+ registers/ {
			for (i = 1; i <= NF; i++) if ($i == "Used") regs = $(i + 1)
			printf "%-6s %-24s %4s registers, %s bytes spill stores, %s bytes spill loads\n", arch, name, regs, stores, loads
			spills += stores + loads
		}
		END { if (spills > 0) printf "%s: %d bytes of spills in all\n", arch, spills }'
done

step "done"
