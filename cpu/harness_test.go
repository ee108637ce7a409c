package cpu_test

import (
	"testing"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// The checks that every backend shares (internal/nntest), on the reference backend.

func TestContracts(t *testing.T) { nntest.RunContracts(t, cpu.New()) }

func TestGradcheck(t *testing.T) {
	for _, c := range nntest.GradCases() {
		t.Run(c.Name, func(t *testing.T) { nntest.Gradcheck(t, cpu.New(), c) })
	}
}

func TestLogitLoss(t *testing.T) { nntest.CheckLogitLoss(t, cpu.New()) }

func TestGoldenLayers(t *testing.T)     { nntest.GoldenLayers(t, cpu.New()) }
func TestGoldenLosses(t *testing.T)     { nntest.GoldenLosses(t, cpu.New()) }
func TestGoldenProjection(t *testing.T) { nntest.GoldenProjection(t, cpu.New()) }

// TestLossTermsCoverObjectives checks that every term an objective uses has a reference in
// nntest.LossRef, so that a new objective cannot go unchecked.
func TestLossTermsCoverObjectives(t *testing.T) {
	for o := nn.NonSaturating; o <= nn.Wasserstein; o++ {
		real, fake := o.DiscriminatorTerms()
		for _, term := range []nn.LossTerm{real, fake, o.GeneratorTerm()} {
			if _, ok := nntest.LossRef[term]; !ok {
				t.Errorf("%v uses loss term %d, which nntest.CheckLogitLoss does not check", o, term)
			}
		}
	}
}
