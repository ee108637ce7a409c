package nn

import "fmt"

// Optimizer updates a network's parameter arena from its gradient arena with Adam, in one
// pass.
type Optimizer struct {
	net   *Network
	Adam  AdamParams // LR, betas, eps and weight decay; Adam.Step is not read: Step numbers each update
	Clip  float32    // when positive, every parameter is clamped to [−Clip, Clip] after each step (WGAN)
	M, V  *Tensor    // Adam's first and second moments, in the layout of the parameters
	steps int
}

// NewAdam returns an Adam optimiser for net's parameters with PyTorch's defaults for eps.
func NewAdam(net *Network, lr, beta1, beta2, weightDecay float32) (*Optimizer, error) {
	if lr <= 0 || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || weightDecay < 0 {
		return nil, fmt.Errorf("adam: need lr > 0, 0 ≤ β1, β2 < 1 and weight decay ≥ 0; got lr %g, β1 %g, β2 %g, weight decay %g", lr, beta1, beta2, weightDecay)
	}
	b := net.Backend()
	return &Optimizer{net: net, Adam: AdamParams{LR: lr, Beta1: beta1, Beta2: beta2, Eps: 1e-8, WeightDecay: weightDecay},
		M: b.New(net.Params.Len()), V: b.New(net.Params.Len())}, nil
}

// Steps is the number of updates made so far (Adam's step count).
func (o *Optimizer) Steps() int { return o.steps }

// SetSteps restores the step count, when resuming from a checkpoint.
func (o *Optimizer) SetSteps(n int) { o.steps = n }

// Step applies one Adam update from the current gradients as update number Steps()+1, then
// clamps the parameters to [−Clip, Clip] when Clip is positive.
func (o *Optimizer) Step() {
	b := o.net.Backend()
	o.steps++
	p := o.Adam
	p.Step = o.steps
	b.AdamStep(o.net.Params, o.net.Grads, o.M, o.V, p)
	if o.Clip > 0 {
		b.Clamp(o.net.Params, -o.Clip, o.Clip)
	}
}
