package nntest

import (
	"fmt"
	"math"
	"testing"

	"gogan/nn"
)

// LossLogits reach the saturated tails of softplus at ±30, crowd into its curved middle and
// stay at least 0.1 from the hinge kinks at ±1. They are asymmetric, so that a sign error in
// a term cannot give the same mean as the right term (softplus(x) and softplus(−x) would
// have equal means over a symmetric set).
var LossLogits = []float64{-30, -20, -12, -7, -3.5, -1.5, -0.7, -0.25, 0.1, 0.4, 0.9, 1.6, 3, 5.5, 11, 30}

// LossTermRef is a loss term's name (as in the golden files), f(x) and f'(x), written from the
// definitions in float64 without a backend's stable forms: log(1+eˣ) is exact enough in
// float64 for |x| ≤ 30, where eˣ neither overflows nor drowns the 1.
type LossTermRef struct {
	Name string
	F    func(x float64) float64
	DF   func(x float64) float64
}

// LossRef holds the reference of every loss term.
var LossRef = map[nn.LossTerm]LossTermRef{
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

// Tolerances of the loss checks. A backend evaluates the terms in float64 and rounds the
// results to float32, so against the float64 definitions only float32 rounding remains
// (NMSE ~1e-15). The central differences of a single logit's float32 value f(x) with a step
// of 1% of max(1, |x|) carry a rounding error of about 6e-8·|f|/h and the h² truncation of
// softplus, measured below 1e-10.
const (
	TolLossExact = 1e-12
	TolLossFD    = 1e-8
)

// CheckLogitLoss checks b's LogitLoss for every loss term: the batch statistics against the
// float64 definitions, and the gradient against them and against central differences of b's
// own value, for several scales and both logit shapes, (N) and (N, 1).
func CheckLogitLoss(t *testing.T, b nn.Backend) {
	n := len(LossLogits)
	for term := nn.TermSoftplusNeg; term <= nn.TermIdentity; term++ {
		ref, ok := LossRef[term]
		if !ok {
			t.Fatalf("no reference for loss term %d", term)
		}
		fd := lossTermFD(b, term, LossLogits)
		var value, sig, mean float64
		for _, x := range LossLogits {
			value += ref.F(x) / float64(n)
			sig += sigmoidRef(x) / float64(n)
			mean += x / float64(n)
		}
		for _, shape := range [][]int{{n}, {n, 1}} {
			for _, scale := range []float32{1, 0.5, -1, 2.5} {
				name := fmt.Sprintf("%s/%v/scale=%g", ref.Name, nn.Shape(shape), scale)
				t.Run(name, func(t *testing.T) {
					logits := TensorOf(b, LossLogits, shape...)
					stats, dlogits, again := b.New(3), b.New(shape...), b.New(3)
					defer freeAll(b, logits, stats, dlogits, again)
					b.Fill(dlogits, float32(math.NaN())) // overwritten, never read
					b.LogitLoss(stats, dlogits, logits, term, scale)
					got := Values(b, stats)
					CheckNMSE(t, "[mean f, mean σ, mean x]", got, []float64{value, sig, mean}, TolLossExact)
					want := make([]float64, n)
					for i, x := range LossLogits {
						want[i] = float64(scale) * ref.DF(x) / float64(n)
					}
					grad := Values(b, dlogits)
					CheckNMSE(t, "dlogits vs definition", grad, want, TolLossExact)
					CheckNMSE(t, "dlogits vs finite differences", grad, Scaled(fd, float64(scale)/float64(n)), TolLossFD)

					// Without dlogits the statistics are the same and nothing is written.
					b.LogitLoss(again, nil, logits, term, scale)
					CheckNMSE(t, "statistics without dlogits", Values(b, again), got, 0)
				})
			}
		}
	}
}

// lossTermFD returns the central differences of each logit's term value f(x), taken from the
// backend's LogitLoss over a batch of one, with a step of 1% of max(1, |x|): the terms are
// linear or nearly so far from 0, where a larger step loses less to float32 rounding.
func lossTermFD(b nn.Backend, term nn.LossTerm, logits []float64) []float64 {
	one, stats := b.New(1), b.New(3)
	defer freeAll(b, one, stats)
	host := make([]float32, 3)
	value := func(x float32) float64 {
		b.Upload(one, []float32{x})
		b.LogitLoss(stats, nil, one, term, 1)
		b.Download(host, stats)
		return float64(host[0])
	}
	g := make([]float64, len(logits))
	for i, x := range logits {
		h := 1e-2 * max(1, math.Abs(x))
		xp, xm := float32(x+h), float32(x-h)
		g[i] = (value(xp) - value(xm)) / (float64(xp) - float64(xm))
	}
	return g
}

func freeAll(b nn.Backend, ts ...*nn.Tensor) {
	for _, t := range ts {
		b.Free(t)
	}
}
