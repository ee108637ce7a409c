package nn

// How a network wires its layers, and why the views are cached.
//
// Each layer reads and writes through its LayerState: X in and Y out in Forward, DY in and
// DX out in Backward. A layer that computes (Linear, Conv2d, BatchNorm, ...) writes Y into
// acts[i] and DX into dins[i], buffers of the reserved capacity cut to the batch; a view
// layer (Flatten, Reshape) computes nothing: its Y is its X reshaped, its DX its DY reshaped.
// Layer i's X is layer i-1's Y, and its DY layer i+1's DX.
//
// A view is a small heap object, and a training step must allocate nothing, so views are
// made once and kept (TestStepAllocatesNothing in package train checks it):
//
//   - cutForward and cutBackward make every view of the network's own buffers for a batch
//     size, and make them again only when the batch size changes.
//   - The caller's tensors, the input x and the output gradient dout, change from call to
//     call: a discriminator sees real and fake batches in turn. feedInput hands x to the
//     first layer, and view layers at the start reshape x itself; feedOutputGrad does the
//     same with dout at the end. A viewMemo per view layer keeps its views of the last two
//     tensors it was handed, so alternating between two tensors makes no new views.
//   - wantInputGrad turns the input's gradient on and off by swapping one pointer, since a
//     discriminator's passes alternate between wanting it (through G) and not (on real data).

// cutForward points the layer states' inputs and outputs at views for a batch of size
// batch; only the network's input is left to feedInput.
func (n *Network) cutForward(batch int) {
	if batch == n.batch {
		return
	}
	for i, p := range n.plans {
		st := &n.states[i]
		st.X, st.Y = nil, nil
		if i > 0 {
			st.X = n.states[i-1].Y
		}
		switch {
		case !p.View:
			st.Y = n.acts[i].Batch(batch)
		case st.X != nil:
			st.Y = st.X.Reshape(append(Shape{batch}, p.Out...)...)
		}
	}
	n.batch, n.gradBatch = batch, 0
}

// feedInput makes x, (batch, in...), the first layer's input; leading view layers reshape
// it, so their outputs follow it.
func (n *Network) feedInput(x *Tensor) {
	if n.states[0].X == x {
		return
	}
	n.states[0].X = x
	for i := 0; i < len(n.plans) && n.plans[i].View; i++ {
		n.states[i].Y = n.follow[i].reshape(n.states[i].X, n.batch, n.plans[i].Out)
		if i+1 < len(n.plans) {
			n.states[i+1].X = n.states[i].Y
		}
	}
}

// cutBackward points the layer states' gradients at views for the current batch; only the
// gradient of the network's output is left to feedOutputGrad.
func (n *Network) cutBackward() {
	if n.gradBatch == n.batch {
		return
	}
	last := len(n.plans) - 1
	for i := last; i >= 0; i-- {
		st, p := &n.states[i], n.plans[i]
		st.DX, st.DY = nil, nil
		if i < last {
			st.DY = n.states[i+1].DX
		}
		switch {
		case !p.View:
			st.DX = n.dins[i].Batch(n.batch)
		case st.DY != nil:
			st.DX = st.DY.Reshape(append(Shape{n.batch}, n.inShape(i)...)...)
		}
	}
	n.dx0, n.gradBatch, n.wantDX = n.states[0].DX, n.batch, true
}

// wantInputGrad sets whether the first layer computes the gradient of the network's input:
// its DX is the kept view dx0 or nil.
func (n *Network) wantInputGrad(want bool) {
	if want == n.wantDX {
		return
	}
	n.states[0].DX = nil
	if want {
		n.states[0].DX = n.dx0
	}
	n.wantDX = want
}

// feedOutputGrad makes dout, shaped as the last output, the last layer's DY; trailing view
// layers reshape it, so their input gradients follow it.
func (n *Network) feedOutputGrad(dout *Tensor) {
	last := len(n.states) - 1
	if n.states[last].DY == dout {
		return
	}
	n.states[last].DY = dout
	for i := last; i >= 0 && n.plans[i].View; i-- {
		n.states[i].DX = n.follow[i].reshape(n.states[i].DY, n.batch, n.inShape(i))
		if i > 0 {
			n.states[i-1].DY = n.states[i].DX
		}
	}
}

// A viewMemo holds the views a view layer made of the last two tensors it was handed: a
// discriminator sees real and fake batches in turn, and each keeps its view.
type viewMemo struct {
	src, view [2]*Tensor
	next      int
}

// reshape returns t, a batch of samples, viewed as (batch, per...), made once per tensor
// while the memo holds it. A tensor's size fixes its batch, so its pointer is the key.
func (m *viewMemo) reshape(t *Tensor, batch int, per Shape) *Tensor {
	for k, src := range m.src {
		if src == t {
			return m.view[k]
		}
	}
	v := t.Reshape(append(Shape{batch}, per...)...)
	m.src[m.next], m.view[m.next] = t, v
	m.next = 1 - m.next
	return v
}

// inShape is layer i's per-sample input shape.
func (n *Network) inShape(i int) Shape {
	if i == 0 {
		return n.in
	}
	return n.plans[i-1].Out
}
