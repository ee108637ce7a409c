package nn

import "fmt"

// Backend allocates device tensors and runs the engine's ops on them. The CPU backend
// (package cpu) is the reference; the CUDA backend (package cuda) implements the same ops
// with the same signatures and is tested against it.
//
// Conventions shared by every op: outputs come first, then the saved activations the op
// reads; every backend first checks the operands against the method's contract,
// Check<Method> in contract.go, and panics with its message on a mismatch (shapes are fixed
// when a network is built, so a mismatch here is a broken invariant, not bad input);
// parameter-gradient outputs are accumulated into (+=) and activation-gradient outputs
// overwritten (=); a nil gradient output is not computed.
type Backend interface {
	// Name is "cpu" or "cuda".
	Name() string
	// New allocates a zero-filled tensor.
	New(shape ...int) *Tensor
	// Upload copies len(src) == t.Len() host values into t.
	Upload(t *Tensor, src []float32)
	// Download copies t into dst, len(dst) == t.Len(), waiting for pending work first.
	Download(dst []float32, t *Tensor)
	// Fill sets every element of t to v.
	Fill(t *Tensor, v float32)
	// Copy copies src into dst of the same size.
	Copy(dst, src *Tensor)
	// Sync waits for all queued work and reports the first asynchronous error.
	Sync() error
	// Free releases what New allocated; t must not be a view.
	Free(t *Tensor)

	// LinearForward: out (N, O) = x (N, I) · wᵀ (O, I) + bias (O); bias may be nil.
	LinearForward(out, x, w, bias *Tensor)
	// LinearBackward: dx = dout · w; dw += doutᵀ · x; db += Σ_n dout.
	LinearBackward(dx, dw, db, dout, x, w *Tensor)

	// Conv2DForward: out (N, O, Ho, Wo) from x (N, C, H, W), w (O, C, K, K), bias (O) or nil.
	Conv2DForward(out, x, w, bias *Tensor, p ConvParams)
	// Conv2DBackward computes dx (=), dw (+=) and db (+=) from dout.
	Conv2DBackward(dx, dw, db, dout, x, w *Tensor, p ConvParams)
	// ConvTranspose2DForward: out (N, O, Ho, Wo) from x (N, C, H, W), w (C, O, K, K), bias (O) or nil,
	// with Ho = (H−1)·stride − 2·pad + K + outputPad.
	ConvTranspose2DForward(out, x, w, bias *Tensor, p ConvParams)
	// ConvTranspose2DBackward computes dx (=), dw (+=) and db (+=) from dout.
	ConvTranspose2DBackward(dx, dw, db, dout, x, w *Tensor, p ConvParams)

	// BatchNormForward normalises x (N, C, S) per channel, S = H·W (1 for BatchNorm1d).
	// In training it uses the batch statistics, saves the mean and 1/sqrt(var+eps) in
	// saveMean and saveInvStd (C), and updates the running statistics with the unbiased
	// variance; in evaluation it uses the running statistics and leaves the saved ones alone.
	BatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *Tensor, p BatchNormParams)
	// BatchNormBackward is the training-mode backward: dx (=), dweight (+=), dbias (+=).
	BatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *Tensor)

	// ActivationForward: out = f(x), element by element.
	ActivationForward(out, x *Tensor, a Activation)
	// ActivationBackward: dx = f'(x)·dout, from x or the saved out (Tanh and Sigmoid use out).
	ActivationBackward(dx, dout, x, out *Tensor, a Activation)

	// LogitLoss reduces logits (N) or (N, 1) with an elementwise term: stats (3) receives
	// [mean f(x), mean σ(x), mean x], and dlogits = scale · f'(x) / N.
	LogitLoss(stats, dlogits, logits *Tensor, f LossTerm, scale float32)

	// AdamStep updates params from grads with Adam (PyTorch semantics); m and v are the
	// moment buffers, p.Step the step number after this update (1 on the first).
	AdamStep(params, grads, m, v *Tensor, p AdamParams)
	// Clamp limits every element of t to [lo, hi] (the WGAN critic's weight clipping).
	Clamp(t *Tensor, lo, hi float32)
	// EMAUpdate moves avg towards x of the same size: avg += (1−decay)·(x − avg), element by
	// element, as PyTorch's avg.lerp_(x, 1−decay); decay 0 copies x.
	EMAUpdate(avg, x *Tensor, decay float32)

	// AugmentForward applies DiffAugment's transformations (augment.go) to x (N, C, H, W), one
	// row of params (N, AugmentValues) per image: out = keep · translate(affine colour(x)).
	AugmentForward(out, x, params *Tensor)
	// AugmentBackward computes dx (=) from dout through the same transformations.
	AugmentBackward(dx, dout, params *Tensor)

	// ProjectionForward is the output of a projection discriminator (Miyato & Koyama 2018):
	// out (N, 1) = Σ_f x[n, f]·(w[f] + table[labels[n], f]), with x (N, ...) read as (N, F),
	// w holding F values and table (K, F); labels (N) holds class indices in [0, K) as float32.
	ProjectionForward(out, x, w, table, labels *Tensor)
	// ProjectionBackward computes dx (=), dw (+=) and dtable (+=) from dout (N, 1).
	ProjectionBackward(dx, dw, dtable, dout, x, w, table, labels *Tensor)
}

// ConvParams describes a square-kernel convolution or transposed convolution.
type ConvParams struct {
	Kernel, Stride, Pad int
	OutputPad           int // transposed convolutions only: Conv2d rejects it, ConvOut ignores it
}

// ConvOut is the spatial output size of a convolution over an input of size in.
func (p ConvParams) ConvOut(in int) int { return (in+2*p.Pad-p.Kernel)/p.Stride + 1 }

// ConvTransposeOut is the spatial output size of a transposed convolution over an input of size in.
func (p ConvParams) ConvTransposeOut(in int) int {
	return (in-1)*p.Stride - 2*p.Pad + p.Kernel + p.OutputPad
}

// BatchNormParams configures a BatchNorm forward pass.
type BatchNormParams struct {
	Training bool
	Momentum float32 // weight of the new batch in the running statistics, 0.1 in PyTorch
	Eps      float32 // added to the variance, 1e-5 in PyTorch
}

// ActivationKind names an elementwise nonlinearity.
type ActivationKind int

// The activations.
const (
	ReLU ActivationKind = iota
	LeakyReLU
	Tanh
	Sigmoid
)

// Activation is an elementwise nonlinearity; Slope is LeakyReLU's negative slope.
type Activation struct {
	Kind  ActivationKind
	Slope float32
}

func (a Activation) String() string {
	switch a.Kind {
	case ReLU:
		return "ReLU"
	case LeakyReLU:
		return fmt.Sprintf("LeakyReLU(%g)", a.Slope)
	case Tanh:
		return "Tanh"
	case Sigmoid:
		return "Sigmoid"
	}
	return fmt.Sprintf("Activation(%d)", int(a.Kind))
}

// LossTerm is the elementwise function f of a logit x that a GAN objective averages over a
// batch. Every GAN objective in gogan is a sum of such terms (see Objective). The softplus
// forms are the stable ways to write the logs of a sigmoid for logits of any size.
type LossTerm int

// The loss terms, with f(x):
const (
	TermSoftplusNeg LossTerm = iota // softplus(−x) = −log σ(x): BCE against target 1
	TermSoftplus                    // softplus(x) = −log(1−σ(x)): BCE against target 0
	TermNegSoftplus                 // −softplus(x) = log(1−σ(x)): minimax generator
	TermSquareOne                   // ½(x−1)²: least squares against 1
	TermSquareZero                  // ½x²: least squares against 0
	TermHingeOne                    // max(0, 1−x): hinge for real samples
	TermHingeNegOne                 // max(0, 1+x): hinge for fake samples
	TermNeg                         // −x: Wasserstein critic on real samples, hinge and Wasserstein generators
	TermIdentity                    // x: Wasserstein critic on fake samples
)

// AdamParams are Adam's hyperparameters for one step.
type AdamParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float32
	Step                               int
}

// Capturer is implemented by backends that can record the work a function queues and replay
// it with one launch (the CUDA backend, through CUDA graphs). The function must only queue
// work: no Upload, Download, Sync, New or Free, and nothing that grows scratch memory, which
// is why a step runs once normally before it is captured. Arguments are fixed when the work
// is recorded, except Adam's step count, which the replay advances on the device. Host-side
// counters that the function advances (Optimizer.Steps, Network.BatchesTracked) count the
// recorded call, which has not run, and do not move on replays: the caller keeps them.
type Capturer interface {
	Capture(step func()) (Graph, error)
}

// Graph is recorded work, ready to replay.
type Graph interface {
	// Launch queues one replay of the recorded work.
	Launch()
	// Close releases the graph.
	Close() error
}
