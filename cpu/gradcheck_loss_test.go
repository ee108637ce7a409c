package cpu_test

import (
	"fmt"
	"math"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// lossLogits reach the saturated tails of softplus at ±30, crowd into its curved middle and
// stay at least 0.1 from the hinge kinks at ±1. They are asymmetric, so that a sign error in
// a term cannot give the same mean as the right term (softplus(x) and softplus(−x) would
// have equal means over a symmetric set).
var lossLogits = []float64{-30, -20, -12, -7, -3.5, -1.5, -0.7, -0.25, 0.1, 0.4, 0.9, 1.6, 3, 5.5, 11, 30}

// lossRef is f(x) of each loss term and its derivative, written from the definitions in
// float64 without the backend's stable forms: log(1+eˣ) is exact enough in float64 for
// |x| ≤ 30, where eˣ neither overflows nor drowns the 1.
var lossRef = map[nn.LossTerm]struct {
	name string
	f    func(x float64) float64
	df   func(x float64) float64
}{
	nn.TermSoftplusNeg: {"softplus_neg", func(x float64) float64 { return -math.Log(sigmoidRef(x)) }, func(x float64) float64 { return sigmoidRef(x) - 1 }},
	nn.TermSoftplus:    {"softplus", func(x float64) float64 { return math.Log(1 + math.Exp(x)) }, sigmoidRef},
	nn.TermNegSoftplus: {"neg_softplus", func(x float64) float64 { return -math.Log(1 + math.Exp(x)) }, func(x float64) float64 { return -sigmoidRef(x) }},
	nn.TermSquareOne:   {"square_one", func(x float64) float64 { return (x - 1) * (x - 1) / 2 }, func(x float64) float64 { return x - 1 }},
	nn.TermSquareZero:  {"square_zero", func(x float64) float64 { return x * x / 2 }, func(x float64) float64 { return x }},
	nn.TermHingeOne:    {"hinge_one", func(x float64) float64 { return math.Max(0, 1-x) }, func(x float64) float64 { return -step(1 - x) }},
	nn.TermHingeNegOne: {"hinge_neg_one", func(x float64) float64 { return math.Max(0, 1+x) }, func(x float64) float64 { return step(1 + x) }},
	nn.TermNeg:         {"neg", func(x float64) float64 { return -x }, func(float64) float64 { return -1 }},
	nn.TermIdentity:    {"identity", func(x float64) float64 { return x }, func(float64) float64 { return 1 }},
}

func sigmoidRef(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// step is the Heaviside step, 1 for positive x.
func step(x float64) float64 {
	if x > 0 {
		return 1
	}
	return 0
}

// Tolerances of the loss checks. The backend evaluates the terms in float64 and rounds the
// results to float32, so against the float64 definitions only float32 rounding remains
// (NMSE ~1e-15). The central differences of a single logit's float32 value f(x) with a step
// of 1% of max(1, |x|) carry a rounding error of about 6e-8·|f|/h and the h² truncation of
// softplus, measured below 1e-10.
const (
	tolLossExact = 1e-12
	tolLossFD    = 1e-8
)

// TestLogitLoss checks every loss term's batch statistics against the float64 definitions,
// and its gradient against them and against central differences of the backend's own value,
// for several scales and both logit shapes, (N) and (N, 1).
func TestLogitLoss(t *testing.T) {
	b := cpu.New()
	n := len(lossLogits)
	for term := nn.TermSoftplusNeg; term <= nn.TermIdentity; term++ {
		ref, ok := lossRef[term]
		if !ok {
			t.Fatalf("no reference for loss term %d", term)
		}
		fd := lossTermFD(b, term, lossLogits)
		var value, sig, mean float64
		for _, x := range lossLogits {
			value += ref.f(x) / float64(n)
			sig += sigmoidRef(x) / float64(n)
			mean += x / float64(n)
		}
		for _, shape := range [][]int{{n}, {n, 1}} {
			for _, scale := range []float32{1, 0.5, -1, 2.5} {
				name := fmt.Sprintf("%s/%v/scale=%g", ref.name, nn.Shape(shape), scale)
				t.Run(name, func(t *testing.T) {
					logits := tensorOf(b, lossLogits, shape...)
					stats, dlogits := b.New(3), b.New(shape...)
					b.Fill(dlogits, float32(math.NaN())) // overwritten, never read
					b.LogitLoss(stats, dlogits, logits, term, scale)
					checkNMSE(t, "[mean f, mean σ, mean x]", to64(stats.Host), []float64{value, sig, mean}, tolLossExact)
					want := make([]float64, n)
					for i, x := range lossLogits {
						want[i] = float64(scale) * ref.df(x) / float64(n)
					}
					got := to64(dlogits.Host)
					checkNMSE(t, "dlogits vs definition", got, want, tolLossExact)
					checkNMSE(t, "dlogits vs finite differences", got, scaled(fd, float64(scale)/float64(n)), tolLossFD)

					// Without dlogits the statistics are the same and nothing is written.
					again := b.New(3)
					b.LogitLoss(again, nil, logits, term, scale)
					checkNMSE(t, "statistics without dlogits", to64(again.Host), to64(stats.Host), 0)
				})
			}
		}
	}
}

// lossTermFD returns the central differences of each logit's term value f(x), taken from the
// backend's LogitLoss over a batch of one, with a step of 1% of max(1, |x|): the terms are
// linear or nearly so far from 0, where a larger step loses less to float32 rounding.
func lossTermFD(b *cpu.Backend, term nn.LossTerm, logits []float64) []float64 {
	one, stats := b.New(1), b.New(3)
	value := func(x float32) float64 {
		b.Upload(one, []float32{x})
		b.LogitLoss(stats, nil, one, term, 1)
		return float64(stats.Host[0])
	}
	g := make([]float64, len(logits))
	for i, x := range logits {
		h := 1e-2 * max(1, math.Abs(x))
		xp, xm := float32(x+h), float32(x-h)
		g[i] = (value(xp) - value(xm)) / (float64(xp) - float64(xm))
	}
	return g
}

// TestLossTermsCoverObjectives checks that every term an objective uses has a reference
// above, so that a new objective cannot go unchecked.
func TestLossTermsCoverObjectives(t *testing.T) {
	for o := nn.NonSaturating; o <= nn.Wasserstein; o++ {
		real, fake := o.DiscriminatorTerms()
		for _, term := range []nn.LossTerm{real, fake, o.GeneratorTerm()} {
			if _, ok := lossRef[term]; !ok {
				t.Errorf("%v uses loss term %d, which TestLogitLoss does not check", o, term)
			}
		}
	}
}
