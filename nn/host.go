package nn

import (
	"fmt"
	"sort"
	"strings"

	"gorgonia.org/tensor"
)

// ToDense copies a device tensor to a new host tensor of the same shape.
func ToDense(b Backend, t *Tensor) *tensor.Dense {
	data := make([]float32, t.Len())
	b.Download(data, t)
	return tensor.New(tensor.WithShape(t.Shape...), tensor.WithBacking(data))
}

// UploadDense copies a float32 host tensor into t, which must have the same number of
// elements; the host shape must match t's, or differ only by leading or trailing ones.
func UploadDense(b Backend, t *Tensor, d *tensor.Dense) error {
	data, err := denseData(d)
	if err != nil {
		return err
	}
	if !squeeze(Shape(d.Shape())).Equal(squeeze(t.Shape)) {
		return fmt.Errorf("host tensor %v does not fit device tensor %v", Shape(d.Shape()), t.Shape)
	}
	b.Upload(t, data)
	return nil
}

// squeeze drops dimensions of size one.
func squeeze(s Shape) Shape {
	var out Shape
	for _, d := range s {
		if d != 1 {
			out = append(out, d)
		}
	}
	return out
}

func denseData(d *tensor.Dense) ([]float32, error) {
	if d.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("host tensor of %v, want float32", d.Dtype())
	}
	if !d.IsMaterializable() && !d.DataOrder().IsRowMajor() {
		return nil, fmt.Errorf("host tensor is not contiguous row-major")
	}
	data, ok := d.Data().([]float32)
	if !ok {
		// A scalar Dense holds a float32, not a slice.
		v, isScalar := d.Data().(float32)
		if !isScalar {
			return nil, fmt.Errorf("host tensor data of %T, want []float32", d.Data())
		}
		data = []float32{v}
	}
	return data, nil
}

// State returns a host copy of the network's parameters and buffers under their state-dict
// names ("0.weight", "1.running_mean", ...).
func (n *Network) State() map[string]*tensor.Dense {
	out := make(map[string]*tensor.Dense, len(n.params)+len(n.buffers))
	for _, p := range append(append([]Named(nil), n.params...), n.buffers...) {
		out[p.Name] = ToDense(n.backend, p.Tensor)
	}
	return out
}

// StateNames lists the state-dict names in order: parameters, then buffers, layer by layer.
func (n *Network) StateNames() []string {
	var names []string
	for _, p := range n.params {
		names = append(names, p.Name)
	}
	for _, p := range n.buffers {
		names = append(names, p.Name)
	}
	return names
}

// Named returns the parameter or buffer of a state-dict name, or nil.
func (n *Network) Named(name string) *Named {
	for i := range n.params {
		if n.params[i].Name == name {
			return &n.params[i]
		}
	}
	for i := range n.buffers {
		if n.buffers[i].Name == name {
			return &n.buffers[i]
		}
	}
	return nil
}

// LoadState copies a state dict into the network. Every parameter and buffer must be present
// with its exact shape; names the network does not have are an error, so that a checkpoint
// of another architecture is refused rather than half loaded.
func (n *Network) LoadState(state map[string]*tensor.Dense) error {
	var missing, unknown []string
	for _, name := range n.StateNames() {
		if _, ok := state[name]; !ok {
			missing = append(missing, name)
		}
	}
	for name := range state {
		if n.Named(name) == nil {
			unknown = append(unknown, name)
		}
	}
	sort.Strings(unknown)
	switch {
	case len(missing) > 0:
		return fmt.Errorf("state dict lacks %s", list(missing))
	case len(unknown) > 0:
		return fmt.Errorf("state dict has %s, which this network does not", list(unknown))
	}
	for _, name := range n.StateNames() {
		p, d := n.Named(name), state[name]
		if !Shape(d.Shape()).Equal(p.Tensor.Shape) {
			return fmt.Errorf("state dict %s is %v, want %v", name, Shape(d.Shape()), p.Tensor.Shape)
		}
		if err := UploadDense(n.backend, p.Tensor, d); err != nil {
			return fmt.Errorf("state dict %s: %w", name, err)
		}
	}
	return nil
}

func list(names []string) string {
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(" and %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}
