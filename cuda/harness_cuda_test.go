//go:build cuda

package cuda

import (
	"testing"

	"gogan/internal/nntest"
)

// The checks that every backend shares (internal/nntest), on the GPU: the same shape
// contracts, finite-difference gradients, loss terms and PyTorch golden layers as the CPU
// backend, with the same tolerances.

func TestContracts(t *testing.T) { nntest.RunContracts(t, gpu(t)) }

func TestGradcheck(t *testing.T) {
	for _, c := range nntest.GradCases() {
		t.Run(c.Name, func(t *testing.T) { nntest.Gradcheck(t, gpu(t), c) })
	}
}

func TestLogitLoss(t *testing.T) { nntest.CheckLogitLoss(t, gpu(t)) }

func TestGoldenLayers(t *testing.T)     { nntest.GoldenLayers(t, gpu(t)) }
func TestGoldenLosses(t *testing.T)     { nntest.GoldenLosses(t, gpu(t)) }
func TestGoldenProjection(t *testing.T) { nntest.GoldenProjection(t, gpu(t)) }
