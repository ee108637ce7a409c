# make test-cuda-emu: the CUDA suite on the emulated GPU of cuda/emulator, on any machine with
# the CUDA toolkit's headers (Debian: nvidia-cuda-dev) and a C++ compiler, no GPU needed. The
# emulated libcuda.so.1 and libcublas.so.13 run the kernels of cuda/kernels on the CPU; the Go
# side is the same code that drives a GPU. Included by the top-level Makefile.
EMU       := $(CURDIR)/build/cuda-emulator
EMU_ASAN  := $(CURDIR)/build/cuda-emulator-asan
# The binaries link against the emulator's libcuda (same soname as NVIDIA's) and load it, and
# its cuBLAS, at run time.
EMU_BUILD := $(CUDA_ENV) CGO_LDFLAGS="-L$(EMU) $(CGO_LDFLAGS)"
EMU_RUN   := LD_LIBRARY_PATH=$(EMU) GOGAN_CUBLAS=$(EMU)/libcublas.so.13 GOGAN_CUDA_REQUIRE=1 GOGAN_CUDA_EXACT_ALLOC=1

.PHONY: emulator test-cuda-emu

emulator:
	$(MAKE) -C cuda/emulator OUT=$(EMU)

test-cuda-emu: emulator
	@echo "== the emulator's own tests: planted faults and refused launches and copies"
	$(EMU)/faults
	@echo "== the same tests with the emulator and kernels built with AddressSanitizer"
	$(MAKE) -C cuda/emulator OUT=$(EMU_ASAN) ASAN=1 $(EMU_ASAN)/faults
	$(EMU_ASAN)/faults
	@echo "== the cuda binaries, linked against the emulated driver"
	$(EMU_BUILD) $(GO) build -tags cuda -o $(EMU)/gan ./cmd/gan
	$(EMU_BUILD) $(GO) test -tags cuda -c -o $(EMU)/cuda.test ./cuda
	scripts/check-emulator-symbols.sh $(EMU)/libcuda.so.1 $(EMU)/gan $(EMU)/cuda.test
	@echo "== the cuda test suite on the emulated GPU"
	$(EMU_RUN) $(EMU_BUILD) $(GO) test -tags cuda -count=1 -timeout 30m ./cuda/...
	@echo "== gan on the emulated GPU, end to end"
	$(EMU_RUN) scripts/cuda-emu-e2e.sh $(EMU)/gan
