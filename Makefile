# gogan's front door. `make train` trains on Fashion-MNIST; `make test` runs every test.
GO        ?= go
PYTHON    ?= /usr/bin/python3
BIN       ?= bin
TRAIN_FLAGS ?=
FASHION   := /usr/share/datasets/fashion-mnist

.PHONY: all build build-cuda test test-cuda gpu-bundle ptx vet fmt-check bench train golden golden-check fashion-mnist clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/gan ./cmd/gan

# The CUDA build needs the CUDA toolkit's headers and libcuda at link time; see README.
# cuda/include comes first on cgo's include path: its cuda.h wraps the toolkit's so that
# gorgonia.org/cu compiles against the headers of CUDA 11.8, 12 and 13 alike.
CUDA_ENV  := CGO_CPPFLAGS="-I$(CURDIR)/cuda/include $(CGO_CPPFLAGS)"

build-cuda:
	$(CUDA_ENV) $(GO) build -tags cuda -o $(BIN)/gan-cuda ./cmd/gan

# gofmt walks the tree itself, so this works in a source archive without .git too.
fmt-check:
	@bad=$$(gofmt -l .); if [ -n "$$bad" ]; then echo "not gofmt-formatted:"; echo "$$bad"; exit 1; fi

# -v lists the packages as they compile: silent on a warm build cache, and a sign of life on a
# cold one, where compiling the dependencies takes several minutes on two cores.
vet:
	$(GO) vet -v ./...

test: fmt-check vet
	CGO_ENABLED=0 $(GO) build ./...
	$(GO) test -count=1 -timeout 20m ./...

# The GPU suite: run on a machine with an NVIDIA GPU and driver. Only ./cuda/...: gorgonia,
# which the CPU backend's oracle tests use, has a cuda build tag of its own that needs cuDNN.
test-cuda:
	$(CUDA_ENV) GOGAN_CUDA_REQUIRE=1 $(GO) test -tags cuda -count=1 -timeout 30m ./cuda/...

# The same suite on the CPU, against an emulated GPU (see README, "Without a GPU").
include cuda/emulator/emulator.mk

# Everything scripts/gpu-check.sh needs on a GPU machine without Go, into gpu-bundle/.
gpu-bundle:
	scripts/gpu-bundle.sh

# Recompile the CUDA kernels to the committed PTX (needs nvcc).
ptx:
	$(GO) generate ./cuda

# Side by side on this machine: gogan's CPU step against PyTorch's, and the ratio. PyTorch runs
# at its best setting here: one OpenMP thread per core, OpenBLAS single-threaded.
bench: build
	@for arch in dcgan28 dcgan64; do \
	  g=$$($(BIN)/gan bench --arch $$arch --batch-size 64 --steps 20 --warmup 3 --json); \
	  t=$$(OMP_NUM_THREADS=$$(nproc) OPENBLAS_NUM_THREADS=1 $(PYTHON) scripts/bench_torch.py --arch $$arch --batch-size 64 --steps 20 --warmup 3 --json); \
	  echo "gogan:   $$g"; echo "pytorch: $$t"; \
	  $(PYTHON) -c "import json,sys; g=json.loads(sys.argv[1]); t=json.loads(sys.argv[2]); print(f'{sys.argv[3]}: gogan {g[\"ms_per_step\"]:.1f} ms/step, PyTorch {t[\"ms_per_step\"]:.1f} ms/step, PyTorch/gogan = {t[\"ms_per_step\"]/g[\"ms_per_step\"]:.2f}')" "$$g" "$$t" $$arch; \
	done
	$(GO) test -run '^$$' -bench 'Kernel|Sgemm/^[^g]' -benchtime 20x ./gemm/
	$(GO) test -run '^$$' -bench Step -benchtime 10x ./train/

# Fashion-MNIST from Debian when it is missing and this machine can install it.
fashion-mnist:
	@if [ ! -d "$(FASHION)" ] && [ -z "$$GOGAN_DATA" ] && [ ! -d data/fashion-mnist ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	  elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then \
	    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist; \
	  else \
	    echo "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist, or gan download fashion-mnist"; exit 1; \
	  fi; \
	fi

train: build fashion-mnist
	$(BIN)/gan train --dataset fashion-mnist $(TRAIN_FLAGS)

# The PyTorch reference files of the golden tests.
golden:
	$(PYTHON) scripts/golden_dcgan28.py
	$(PYTHON) scripts/golden_conditional.py

# Regenerate the golden files and fail if they differ from what is committed.
golden-check: golden
	git diff --exit-code -- scripts/golden

clean:
	rm -rf $(BIN)
