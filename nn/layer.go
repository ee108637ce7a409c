package nn

import "fmt"

// Layer is one step of a Network: it plans its shapes and storage once, then runs explicit
// forward and backward passes on the tensors the network hands it in a LayerState.
type Layer interface {
	// Plan checks the per-sample input shape (without the batch dimension) and returns the
	// per-sample output shape and the storage the layer needs.
	Plan(in Shape) (LayerPlan, error)
	// Forward computes s.Y from s.X.
	Forward(b Backend, s *LayerState, train bool)
	// Backward computes s.DX (when not nil) and accumulates the parameter gradients from s.DY.
	Backward(b Backend, s *LayerState)
	// String describes the layer as PyTorch prints it.
	String() string
}

// LayerPlan is what a layer needs from the network that holds it.
type LayerPlan struct {
	Out     Shape       // per-sample output shape
	Params  []ParamSpec // trained parameters, in state-dict order
	Buffers []ParamSpec // saved but not trained (BatchNorm running statistics)
	Saved   []Shape     // scratch kept from forward to backward, independent of the batch size
	View    bool        // the output is the input with another shape: no storage, no work
}

// Init says how a parameter or buffer starts.
type Init int

// The initialisations. InitFanIn is PyTorch's default for Linear and convolution layers:
// uniform in ±1/sqrt(fan_in) (kaiming_uniform with a = √5 for weights, the same bound for biases).
const (
	InitZeros Init = iota
	InitOnes
	InitFanIn
)

// ParamSpec declares one parameter or buffer of a layer.
type ParamSpec struct {
	Name  string // as in PyTorch: weight, bias, running_mean, running_var
	Shape Shape
	Init  Init
	FanIn int // for InitFanIn
}

// LayerState holds the tensors of one layer for the current batch; all are views that the
// network owns. DX is nil when the input gradient is not wanted.
type LayerState struct {
	X, Y, DX, DY *Tensor   // (N, in...), (N, out...), like X, like Y
	Params       []*Tensor // views into the parameter arena, in the order of LayerPlan.Params
	Grads        []*Tensor // the matching views into the gradient arena
	Buffers      []*Tensor // views into the buffer arena
	Saved        []*Tensor // the layer's scratch
	// NoParamGrads skips the parameter gradients, when only the input gradient is wanted
	// (the discriminator's backward pass in a generator update).
	NoParamGrads bool
	// Labels (N) are the class indices of the batch, as float32, for the layers that
	// condition on them (Projection); nil for an unconditional network.
	Labels *Tensor
}

// param returns parameter i, or nil when the layer has fewer (an absent bias).
func (s *LayerState) param(i int) *Tensor {
	if i < len(s.Params) {
		return s.Params[i]
	}
	return nil
}

func (s *LayerState) grad(i int) *Tensor {
	if i < len(s.Grads) && !s.NoParamGrads {
		return s.Grads[i]
	}
	return nil
}

// Linear is y = x·wᵀ + b on (N, In) inputs.
type Linear struct {
	In, Out int
	Bias    bool
}

func (l *Linear) String() string { return fmt.Sprintf("Linear(%d, %d, bias=%v)", l.In, l.Out, l.Bias) }

// Plan implements Layer.
func (l *Linear) Plan(in Shape) (LayerPlan, error) {
	if len(in) != 1 || in[0] != l.In {
		return LayerPlan{}, fmt.Errorf("%v: input per sample is %v, want (%d)", l, in, l.In)
	}
	p := LayerPlan{Out: Shape{l.Out}, Params: []ParamSpec{{Name: "weight", Shape: Shape{l.Out, l.In}, Init: InitFanIn, FanIn: l.In}}}
	if l.Bias {
		p.Params = append(p.Params, ParamSpec{Name: "bias", Shape: Shape{l.Out}, Init: InitFanIn, FanIn: l.In})
	}
	return p, nil
}

// Forward implements Layer.
func (l *Linear) Forward(b Backend, s *LayerState, train bool) {
	b.LinearForward(s.Y, s.X, s.Params[0], s.param(1))
}

// Backward implements Layer.
func (l *Linear) Backward(b Backend, s *LayerState) {
	b.LinearBackward(s.DX, s.grad(0), s.grad(1), s.DY, s.X, s.Params[0])
}

// Conv2d is a square-kernel convolution with PyTorch's weight layout (out, in, k, k).
type Conv2d struct {
	In, Out int
	ConvParams
	Bias bool
}

func (l *Conv2d) String() string {
	return fmt.Sprintf("Conv2d(%d, %d, kernel_size=%d, stride=%d, padding=%d, bias=%v)", l.In, l.Out, l.Kernel, l.Stride, l.Pad, l.Bias)
}

// Plan implements Layer.
func (l *Conv2d) Plan(in Shape) (LayerPlan, error) {
	if err := l.check(in); err != nil {
		return LayerPlan{}, err
	}
	ho, wo := l.ConvOut(in[1]), l.ConvOut(in[2])
	if ho < 1 || wo < 1 {
		return LayerPlan{}, fmt.Errorf("%v: input %v is smaller than the kernel", l, in)
	}
	fanIn := l.In * l.Kernel * l.Kernel
	ps := []ParamSpec{{Name: "weight", Shape: Shape{l.Out, l.In, l.Kernel, l.Kernel}, Init: InitFanIn, FanIn: fanIn}}
	if l.Bias {
		ps = append(ps, ParamSpec{Name: "bias", Shape: Shape{l.Out}, Init: InitFanIn, FanIn: fanIn})
	}
	return LayerPlan{Out: Shape{l.Out, ho, wo}, Params: ps}, nil
}

func (l *Conv2d) check(in Shape) error {
	if len(in) != 3 || in[0] != l.In {
		return fmt.Errorf("%v: input per sample is %v, want (%d, H, W)", l, in, l.In)
	}
	if l.Kernel < 1 || l.Stride < 1 || l.Pad < 0 {
		return fmt.Errorf("%v: kernel and stride must be positive and padding not negative", l)
	}
	if l.OutputPad != 0 {
		return fmt.Errorf("%v: output padding %d given; it applies to transposed convolutions only", l, l.OutputPad)
	}
	return nil
}

// Forward implements Layer.
func (l *Conv2d) Forward(b Backend, s *LayerState, train bool) {
	b.Conv2DForward(s.Y, s.X, s.Params[0], s.param(1), l.ConvParams)
}

// Backward implements Layer.
func (l *Conv2d) Backward(b Backend, s *LayerState) {
	b.Conv2DBackward(s.DX, s.grad(0), s.grad(1), s.DY, s.X, s.Params[0], l.ConvParams)
}

// ConvTranspose2d is a square-kernel transposed convolution with PyTorch's weight layout
// (in, out, k, k).
type ConvTranspose2d struct {
	In, Out int
	ConvParams
	Bias bool
}

func (l *ConvTranspose2d) String() string {
	return fmt.Sprintf("ConvTranspose2d(%d, %d, kernel_size=%d, stride=%d, padding=%d, output_padding=%d, bias=%v)",
		l.In, l.Out, l.Kernel, l.Stride, l.Pad, l.OutputPad, l.Bias)
}

// Plan implements Layer.
func (l *ConvTranspose2d) Plan(in Shape) (LayerPlan, error) {
	if len(in) != 3 || in[0] != l.In {
		return LayerPlan{}, fmt.Errorf("%v: input per sample is %v, want (%d, H, W)", l, in, l.In)
	}
	if l.Kernel < 1 || l.Stride < 1 || l.Pad < 0 || l.OutputPad < 0 || l.OutputPad >= l.Stride {
		return LayerPlan{}, fmt.Errorf("%v: kernel and stride must be positive, padding not negative, output padding below the stride", l)
	}
	ho, wo := l.ConvTransposeOut(in[1]), l.ConvTransposeOut(in[2])
	if ho < 1 || wo < 1 {
		return LayerPlan{}, fmt.Errorf("%v: output for input %v would be empty", l, in)
	}
	// PyTorch computes a transposed convolution's fan-in from weight.shape[1]·k·k.
	ps := []ParamSpec{{Name: "weight", Shape: Shape{l.In, l.Out, l.Kernel, l.Kernel}, Init: InitFanIn, FanIn: l.Out * l.Kernel * l.Kernel}}
	if l.Bias {
		ps = append(ps, ParamSpec{Name: "bias", Shape: Shape{l.Out}, Init: InitFanIn, FanIn: l.Out * l.Kernel * l.Kernel})
	}
	return LayerPlan{Out: Shape{l.Out, ho, wo}, Params: ps}, nil
}

// Forward implements Layer.
func (l *ConvTranspose2d) Forward(b Backend, s *LayerState, train bool) {
	b.ConvTranspose2DForward(s.Y, s.X, s.Params[0], s.param(1), l.ConvParams)
}

// Backward implements Layer.
func (l *ConvTranspose2d) Backward(b Backend, s *LayerState) {
	b.ConvTranspose2DBackward(s.DX, s.grad(0), s.grad(1), s.DY, s.X, s.Params[0], l.ConvParams)
}

// BatchNorm normalises per channel: BatchNorm1d on (N, C) inputs, BatchNorm2d on (N, C, H, W).
type BatchNorm struct {
	Channels int
	Momentum float32 // 0 means PyTorch's 0.1
	Eps      float32 // 0 means PyTorch's 1e-5

	views ncsCache
}

func (l *BatchNorm) String() string { return fmt.Sprintf("BatchNorm(%d)", l.Channels) }

func (l *BatchNorm) params(train bool) BatchNormParams {
	p := BatchNormParams{Training: train, Momentum: l.Momentum, Eps: l.Eps}
	if p.Momentum == 0 {
		p.Momentum = 0.1
	}
	if p.Eps == 0 {
		p.Eps = 1e-5
	}
	return p
}

// Plan implements Layer.
func (l *BatchNorm) Plan(in Shape) (LayerPlan, error) {
	if (len(in) != 1 && len(in) != 3) || in[0] != l.Channels {
		return LayerPlan{}, fmt.Errorf("%v: input per sample is %v, want (%d) or (%d, H, W)", l, in, l.Channels, l.Channels)
	}
	c := Shape{l.Channels}
	return LayerPlan{
		Out:     in.Clone(),
		Params:  []ParamSpec{{Name: "weight", Shape: c, Init: InitOnes}, {Name: "bias", Shape: c, Init: InitZeros}},
		Buffers: []ParamSpec{{Name: "running_mean", Shape: c, Init: InitZeros}, {Name: "running_var", Shape: c, Init: InitOnes}},
		Saved:   []Shape{c, c},
	}, nil
}

// ncsCache remembers the (N, C, S) views of the tensors a BatchNorm layer last saw: the
// network hands it the same tensors step after step, so the views are made once.
type ncsCache struct {
	src  [4]*Tensor
	view [4]*Tensor
}

// get returns the (N, C, S) view of t in slot i, making it when t is new.
func (c *ncsCache) get(i int, t *Tensor) *Tensor {
	if t == nil {
		return nil
	}
	if c.src[i] != t {
		c.src[i], c.view[i] = t, asNCS(t)
	}
	return c.view[i]
}

// asNCS views an (N, C, ...) tensor as (N, C, S).
func asNCS(t *Tensor) *Tensor {
	s := 1
	for _, d := range t.Shape[2:] {
		s *= d
	}
	return t.Reshape(t.Shape[0], t.Shape[1], s)
}

// Forward implements Layer.
func (l *BatchNorm) Forward(b Backend, s *LayerState, train bool) {
	b.BatchNormForward(l.views.get(0, s.Y), l.views.get(1, s.X), s.Params[0], s.Params[1], s.Buffers[0], s.Buffers[1], s.Saved[0], s.Saved[1], l.params(train))
}

// Backward implements Layer.
func (l *BatchNorm) Backward(b Backend, s *LayerState) {
	b.BatchNormBackward(l.views.get(2, s.DX), s.grad(0), s.grad(1), l.views.get(3, s.DY), l.views.get(1, s.X), s.Params[0], s.Saved[0], s.Saved[1])
}

// Act applies an elementwise nonlinearity.
type Act struct{ Activation }

// NewReLU, NewLeakyReLU, NewTanh and NewSigmoid make the activation layers.
func NewReLU() *Act                             { return &Act{Activation{Kind: ReLU}} }
func NewLeakyReLU(slope float32) *Act           { return &Act{Activation{Kind: LeakyReLU, Slope: slope}} }
func NewTanh() *Act                             { return &Act{Activation{Kind: Tanh}} }
func NewSigmoid() *Act                          { return &Act{Activation{Kind: Sigmoid}} }
func (l *Act) Plan(in Shape) (LayerPlan, error) { return LayerPlan{Out: in.Clone()}, nil }

// Forward implements Layer.
func (l *Act) Forward(b Backend, s *LayerState, train bool) {
	b.ActivationForward(s.Y, s.X, l.Activation)
}

// Backward implements Layer.
func (l *Act) Backward(b Backend, s *LayerState) {
	if s.DX != nil {
		b.ActivationBackward(s.DX, s.DY, s.X, s.Y, l.Activation)
	}
}

// Reshape gives each sample another shape of the same size; Flatten is Reshape to one dimension.
type Reshape struct{ To Shape }

// NewFlatten returns a layer that flattens each sample to one dimension once planned.
func NewFlatten() *Reshape { return &Reshape{} }

func (l *Reshape) String() string {
	if l.To == nil {
		return "Flatten()"
	}
	return fmt.Sprintf("Reshape%v", l.To)
}

// Plan implements Layer.
func (l *Reshape) Plan(in Shape) (LayerPlan, error) {
	to := l.To
	if to == nil {
		to = Shape{in.Size()}
	}
	if to.Size() != in.Size() {
		return LayerPlan{}, fmt.Errorf("%v: cannot reshape %v", l, in)
	}
	return LayerPlan{Out: to.Clone(), View: true}, nil
}

// Forward and Backward are never called: the network aliases a view layer's tensors.
func (l *Reshape) Forward(b Backend, s *LayerState, train bool) {}

// Backward implements Layer.
func (l *Reshape) Backward(b Backend, s *LayerState) {}
