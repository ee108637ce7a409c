package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// Named is a parameter or buffer of a network with its state-dict name.
type Named struct {
	Name   string // "0.weight", "1.running_mean", ...
	Layer  int    // index of the layer that owns it
	Tensor *Tensor
	Grad   *Tensor // nil for buffers
	Spec   ParamSpec
	// Offset is where Tensor starts in its arena, in elements: in Params (and at the same
	// place in Grads and in an optimiser's moment buffers) for a parameter, in Buffers for a
	// buffer. Host copies of an arena are sliced with it.
	Offset int
}

// Network is a sequence of layers whose parameters live in one arena and whose gradients
// live in another of the same layout, so that zeroing gradients is one fill and an
// optimiser step is one pass over one buffer.
type Network struct {
	backend Backend
	layers  []Layer
	plans   []LayerPlan
	in      Shape // per-sample input shape

	Params, Grads *Tensor // the arenas, (P)
	Buffers       *Tensor // running statistics, (B); nil when there are none
	params        []Named
	buffers       []Named
	states        []LayerState

	// The activation buffers and the cached views of them and of the caller's tensors that
	// the layer states point at; views.go says how and when they are made.
	capacity  int        // batch size the activation buffers hold
	acts      []*Tensor  // acts[i]: output of layer i at capacity, nil for view layers
	dins      []*Tensor  // dins[i]: gradient of layer i's input at capacity, nil for view layers
	batch     int        // batch size the states' forward views are cut for
	gradBatch int        // batch size the states' gradient views are cut for
	wantDX    bool       // whether the gradient views include the input's
	dx0       *Tensor    // the first layer's input-gradient view, kept while wantDX is off
	follow    []viewMemo // per view layer: the views of the caller's tensors it last made

	labels *Tensor // class indices of the batch, handed to every layer; nil when unconditional

	// trainForwards counts forward passes in training mode: PyTorch's num_batches_tracked of
	// every BatchNorm layer, kept so that state dicts round-trip through PyTorch.
	trainForwards int
}

// NewNetwork plans the layers for a per-sample input shape, allocates the arenas and
// activation buffers for batches of up to capacity samples, and initialises the parameters
// as PyTorch does by default, from rng.
func NewNetwork(b Backend, in Shape, capacity int, rng *rand.Rand, layers ...Layer) (*Network, error) {
	n := &Network{backend: b, layers: layers, in: in.Clone()}
	shape := in.Clone()
	var nParams, nBuffers int
	for _, l := range layers {
		p, err := l.Plan(shape)
		if err != nil {
			return nil, err
		}
		n.plans = append(n.plans, p)
		for _, s := range p.Params {
			nParams += s.Shape.Size()
		}
		for _, s := range p.Buffers {
			nBuffers += s.Shape.Size()
		}
		shape = p.Out
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("nn: a network needs at least one layer")
	}
	n.Params, n.Grads = b.New(max(nParams, 1)), b.New(max(nParams, 1))
	if nBuffers > 0 {
		n.Buffers = b.New(nBuffers)
	}
	n.states = make([]LayerState, len(layers))
	n.follow = make([]viewMemo, len(layers))
	var po, bo int
	for i, p := range n.plans {
		st := &n.states[i]
		for _, s := range p.Params {
			t, g := n.Params.View(po, s.Shape...), n.Grads.View(po, s.Shape...)
			st.Params, st.Grads = append(st.Params, t), append(st.Grads, g)
			n.params = append(n.params, Named{Name: strconv.Itoa(i) + "." + s.Name, Layer: i, Tensor: t, Grad: g, Spec: s, Offset: po})
			po += s.Shape.Size()
		}
		for _, s := range p.Buffers {
			t := n.Buffers.View(bo, s.Shape...)
			st.Buffers = append(st.Buffers, t)
			n.buffers = append(n.buffers, Named{Name: strconv.Itoa(i) + "." + s.Name, Layer: i, Tensor: t, Spec: s, Offset: bo})
			bo += s.Shape.Size()
		}
		for _, s := range p.Saved {
			st.Saved = append(st.Saved, b.New(s...))
		}
	}
	if err := n.Reserve(capacity); err != nil {
		return nil, err
	}
	n.InitDefault(rng)
	return n, nil
}

// Backend is the backend the network runs on.
func (n *Network) Backend() Backend { return n.backend }

// Layers are the network's layers.
func (n *Network) Layers() []Layer { return n.layers }

// InShape and OutShape are the per-sample input and output shapes.
func (n *Network) InShape() Shape  { return n.in.Clone() }
func (n *Network) OutShape() Shape { return n.plans[len(n.plans)-1].Out.Clone() }

// Parameters lists the trained parameters in state-dict order, with their gradients.
func (n *Network) Parameters() []Named { return n.params }

// BufferList lists the buffers (BatchNorm running statistics) in state-dict order.
func (n *Network) BufferList() []Named { return n.buffers }

// NumParams is the number of trained parameters.
func (n *Network) NumParams() int {
	c := 0
	for _, p := range n.params {
		c += p.Tensor.Len()
	}
	return c
}

// Reserve makes the activation buffers hold batches of up to capacity samples. It allocates
// only when the capacity grows, so a training loop that calls it with its batch size once
// allocates nothing per step.
func (n *Network) Reserve(capacity int) error {
	if capacity < 1 {
		return fmt.Errorf("nn: batch size %d, want at least 1", capacity)
	}
	if capacity <= n.capacity {
		return nil
	}
	for _, t := range n.acts {
		if t != nil {
			n.backend.Free(t)
		}
	}
	for _, t := range n.dins {
		if t != nil {
			n.backend.Free(t)
		}
	}
	n.acts, n.dins = make([]*Tensor, len(n.layers)), make([]*Tensor, len(n.layers))
	in := n.in
	for i, p := range n.plans {
		if !p.View {
			n.acts[i] = n.backend.New(append(Shape{capacity}, p.Out...)...)
			n.dins[i] = n.backend.New(append(Shape{capacity}, in...)...)
		}
		in = p.Out
	}
	n.capacity, n.batch, n.gradBatch = capacity, 0, 0
	return nil
}

// Forward runs the network on x (N, in...), N at most the reserved capacity, and returns its
// output (N, out...), a view that the next Forward overwrites. In training mode BatchNorm
// uses and updates batch statistics; in evaluation mode it uses the running ones.
func (n *Network) Forward(x *Tensor, train bool) *Tensor {
	batch := n.checkInput(x)
	n.cutForward(batch) // views.go: the layers' X and Y, kept while the batch size holds
	n.feedInput(x)
	for i, l := range n.layers {
		if n.plans[i].View {
			continue // its Y is a view of its X, made by cutForward or feedInput
		}
		n.states[i].Labels = n.labels
		l.Forward(n.backend, &n.states[i], train)
	}
	if train {
		n.trainForwards++
	}
	return n.states[len(n.states)-1].Y
}

func (n *Network) checkInput(x *Tensor) int {
	if len(x.Shape) != len(n.in)+1 || !x.Shape[1:].Equal(n.in) {
		panic(fmt.Sprintf("nn: network input %v, want (N, %v)", x.Shape, n.in))
	}
	if x.Shape[0] > n.capacity || x.Shape[0] < 1 {
		panic(fmt.Sprintf("nn: batch of %d for a network reserved for %d", x.Shape[0], n.capacity))
	}
	return x.Shape[0]
}

// Backward propagates dout, the gradient of the loss with respect to the last Forward's
// output, accumulating parameter gradients into Grads. With wantInputGrad it also returns the
// gradient with respect to the input (a view that the next Backward overwrites), otherwise nil.
func (n *Network) Backward(dout *Tensor, wantInputGrad bool) *Tensor {
	return n.backward(dout, wantInputGrad)
}

func (n *Network) backward(dout *Tensor, wantInputGrad bool) *Tensor {
	if n.batch == 0 {
		panic("nn: Backward before Forward")
	}
	last := len(n.states) - 1
	if !dout.Shape.Equal(n.states[last].Y.Shape) {
		panic(fmt.Sprintf("nn: output gradient %v, want %v", dout.Shape, n.states[last].Y.Shape))
	}
	n.cutBackward() // views.go: the layers' DY and DX, kept while the batch size holds
	n.wantInputGrad(wantInputGrad)
	n.feedOutputGrad(dout)
	for i := last; i >= 0; i-- {
		if n.plans[i].View {
			continue // its DX is a view of its DY, made by cutBackward or feedOutputGrad
		}
		n.layers[i].Backward(n.backend, &n.states[i])
	}
	return n.states[0].DX
}

// InputGrad propagates dout like Backward but computes only the gradient with respect to the
// input, leaving the parameter gradients untouched: the discriminator's part of a generator
// update, where D's own gradients are not used.
func (n *Network) InputGrad(dout *Tensor) *Tensor {
	for i := range n.states {
		n.states[i].NoParamGrads = true
	}
	defer func() {
		for i := range n.states {
			n.states[i].NoParamGrads = false
		}
	}()
	return n.backward(dout, true)
}

// SetLabels sets the class indices (N), as float32, that the layers of a conditional network
// read in the next forward and backward passes; the tensor must hold one per sample of the
// batches that follow. nil unsets them.
func (n *Network) SetLabels(labels *Tensor) { n.labels = labels }

// Conditional reports whether a layer of the network reads class labels.
func (n *Network) Conditional() bool {
	for _, l := range n.layers {
		if _, ok := l.(*Projection); ok {
			return true
		}
	}
	return false
}

// Capacity is the largest batch the network's activation buffers hold; it changes only when
// Reserve reallocates them.
func (n *Network) Capacity() int { return n.capacity }

// BatchesTracked is the number of forward passes in training mode so far, PyTorch's
// num_batches_tracked; SetBatchesTracked restores it from a checkpoint.
func (n *Network) BatchesTracked() int     { return n.trainForwards }
func (n *Network) SetBatchesTracked(v int) { n.trainForwards = v }

// BatchNormLayers lists the indices of the BatchNorm layers, whose state dicts in PyTorch
// carry num_batches_tracked.
func (n *Network) BatchNormLayers() []int {
	var out []int
	for i, l := range n.layers {
		if _, ok := l.(*BatchNorm); ok {
			out = append(out, i)
		}
	}
	return out
}

// ZeroGrad clears the gradient arena.
func (n *Network) ZeroGrad() { n.backend.Fill(n.Grads, 0) }

// InitDefault initialises parameters and buffers as PyTorch's layers do when constructed.
func (n *Network) InitDefault(rng *rand.Rand) {
	host := make([]float32, n.Params.Len())
	for _, p := range n.params {
		fill(host[p.Offset:][:p.Tensor.Len()], p.Spec, rng)
	}
	n.backend.Upload(n.Params, host)
	if n.Buffers != nil {
		host = make([]float32, n.Buffers.Len())
		for _, p := range n.buffers {
			fill(host[p.Offset:][:p.Tensor.Len()], p.Spec, rng)
		}
		n.backend.Upload(n.Buffers, host)
	}
	n.ZeroGrad()
}

func fill(dst []float32, s ParamSpec, rng *rand.Rand) {
	switch s.Init {
	case InitZeros:
		clear(dst)
	case InitOnes:
		for i := range dst {
			dst[i] = 1
		}
	case InitFanIn:
		bound := 1 / math.Sqrt(float64(s.FanIn))
		for i := range dst {
			dst[i] = float32((2*rng.Float64() - 1) * bound)
		}
	}
}

// InitNormal sets each parameter that init selects (by its layer and spec) to draws from
// N(mean, std) from rng, leaving the others; parameters are visited in state-dict order, so a
// seed gives the same values on every machine.
func (n *Network) InitNormal(rng *rand.Rand, init func(l Layer, s ParamSpec) (mean, std float64, ok bool)) {
	host := make([]float32, n.Params.Len())
	n.backend.Download(host, n.Params)
	for _, p := range n.params {
		mean, std, ok := init(n.layers[p.Layer], p.Spec)
		if !ok {
			continue
		}
		dst := host[p.Offset:][:p.Tensor.Len()]
		for i := range dst {
			dst[i] = float32(mean + std*rng.NormFloat64())
		}
	}
	n.backend.Upload(n.Params, host)
}
