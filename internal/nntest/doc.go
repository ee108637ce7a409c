// Package nntest is the test harness that every backend's suite shares: seeded random
// values, the normalised error (NMSE) with per-op tolerances and reports of the first and the
// worst mismatches, the PyTorch golden files of scripts/golden, the finite-difference
// gradient checks and the shape-contract cases, each taking any nn.Backend. The CPU suite
// runs them on the reference backend, the CUDA suite on the GPU (or the emulated one), with
// the same cases and tolerances.
package nntest
