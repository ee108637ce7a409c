package nn

import "fmt"

// Projection is the output layer of a projection discriminator (Miyato & Koyama 2018): a
// logit per sample, the inner product of the features x (N, C, H, W) with a weight of the
// same shape plus, for class-conditional judging, with the embedding of the sample's class:
//
//	out[n] = ⟨x[n], w⟩ + ⟨x[n], embed[y[n]]⟩
//
// Without the embedding it is the DCGAN discriminator's last layer, a convolution whose
// kernel covers the whole input (bias-free), so its weight keeps that convolution's shape and
// name. The class term is where D learns what each class looks like; the paper shows it
// beats concatenating the label to D's input or hidden layers, because it makes D's logit
// the log-density ratio of a conditional model of that form.
type Projection struct {
	Classes int
}

func (l *Projection) String() string { return fmt.Sprintf("Projection(classes=%d)", l.Classes) }

// Plan implements Layer.
func (l *Projection) Plan(in Shape) (LayerPlan, error) {
	if len(in) != 3 || l.Classes < 1 {
		return LayerPlan{}, fmt.Errorf("%v: input per sample is %v, want (C, H, W) and at least one class", l, in)
	}
	f := in.Size()
	return LayerPlan{Out: Shape{1}, Params: []ParamSpec{
		{Name: "weight", Shape: Shape{1, in[0], in[1], in[2]}, Init: InitFanIn, FanIn: f},
		{Name: "embed.weight", Shape: Shape{l.Classes, f}, Init: InitFanIn, FanIn: f},
	}}, nil
}

// Forward implements Layer.
func (l *Projection) Forward(b Backend, s *LayerState, train bool) {
	if s.Labels == nil {
		panic("nn: Projection: the network's labels are not set")
	}
	b.ProjectionForward(s.Y, s.X, s.Params[0], s.Params[1], s.Labels)
}

// Backward implements Layer.
func (l *Projection) Backward(b Backend, s *LayerState) {
	b.ProjectionBackward(s.DX, s.grad(0), s.grad(1), s.DY, s.X, s.Params[0], s.Params[1], s.Labels)
}
