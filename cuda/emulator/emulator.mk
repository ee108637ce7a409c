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
# The same test binary against the emulator built with AddressSanitizer: the sanitizer's
# runtime is preloaded, as the Go binary itself is not instrumented (go test -asan would
# rebuild the standard library for minutes and check Go code that needs no checking here).
EMU_ASAN_RUN := LD_PRELOAD=$$($(CXX) -print-file-name=libasan.so) ASAN_OPTIONS=detect_leaks=0 \
	LD_LIBRARY_PATH=$(EMU_ASAN) GOGAN_CUBLAS=$(EMU_ASAN)/libcublas.so.13 GOGAN_CUDA_REQUIRE=1 GOGAN_CUDA_EXACT_ALLOC=1
# The tests that run every kernel under AddressSanitizer: op and whole-step parity, graphs,
# and the shared harness's contract, finite-difference, loss and golden checks, whose odd
# sizes reach the kernels' edges (a few seconds). dcgan64 at production size runs the same
# kernels as the smaller steps, for two minutes more under the sanitizer: it runs in the plain
# pass only.
EMU_ASAN_TESTS := Parity|GridStride|ReLU|Bytes|HostCopies|CapturedStep|Contracts|Gradcheck|LogitLoss|Golden
EMU_ASAN_SKIP  := TestStepParity/dcgan64_width64

.PHONY: emulator test-cuda-emu

emulator:
	$(MAKE) -C cuda/emulator OUT=$(EMU)

test-cuda-emu: emulator
	@echo "== the emulator's own tests: planted faults and refused launches and copies"
	$(EMU)/faults
	@echo "== the same tests with the emulator and kernels built with AddressSanitizer"
	$(MAKE) -C cuda/emulator OUT=$(EMU_ASAN) ASAN=1
	$(EMU_ASAN)/faults
	@echo "== the cuda binaries, linked against the emulated driver"
	$(EMU_BUILD) $(GO) build -tags cuda -o $(EMU)/gan ./cmd/gan
	$(EMU_BUILD) $(GO) test -tags cuda -c -o $(EMU)/cuda.test ./cuda
	scripts/check-emulator-symbols.sh $(EMU)/libcuda.so.1 $(EMU)/gan $(EMU)/cuda.test
	@echo "== the cuda test suite on the emulated GPU"
	$(EMU_RUN) $(EMU_BUILD) $(GO) test -tags cuda -count=1 -timeout 30m ./cuda/...
	@echo "== the cuda gan where no GPU is usable: no driver library, no device, an old driver"
	scripts/cuda-nogpu.sh $(EMU)/gan $(EMU)
	@echo "== gan on the emulated GPU, end to end"
	$(EMU_RUN) scripts/cuda-emu-e2e.sh $(EMU)/gan
	@echo "== scripts/gpu-check.sh rehearsed: a step that hangs, the deadline, kills at random points"
	$(EMU_RUN) scripts/gpu-check-rehearsal.sh $(EMU)/gan $(EMU)/cuda.test
	@echo "== every kernel under AddressSanitizer"
	cd cuda && $(EMU_ASAN_RUN) $(EMU)/cuda.test -test.run '$(EMU_ASAN_TESTS)' -test.skip '$(EMU_ASAN_SKIP)'
	@echo "== a planted out-of-bounds launch must end in AddressSanitizer's report"
	@out=$$(cd cuda && GOGAN_EMU_PLANT_OOB=1 $(EMU_ASAN_RUN) $(EMU)/cuda.test -test.run TestEmulatorFindsAnOutOfBoundsLaunch 2>&1); \
	if echo "$$out" | grep -q 'heap-buffer-overflow' && echo "$$out" | grep -q ' in clamp_f32 '; then \
	  echo "ok: AddressSanitizer stopped the planted out-of-bounds write of clamp_f32:"; echo "$$out" | grep -m1 ' in clamp_f32 '; \
	else echo "$$out" | tail -n 20; echo "FAIL: the planted out-of-bounds launch was not reported by AddressSanitizer" >&2; exit 1; fi
