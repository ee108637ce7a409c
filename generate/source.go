package generate

import (
	"fmt"
	"math/rand/v2"

	"gogan/models"
	"gogan/nn"
)

// A Source is where a generator's weights come from.
type Source interface {
	// Model is the architecture the weights are for.
	Model() models.Config
	// ClassNames names a conditional generator's classes, in order; nil for none.
	ClassNames() []string
	// Load copies the weights into g, built as Model says.
	Load(g *nn.Network) error
}

// Build allocates a generator of cfg's architecture for batches of batch; its weights are
// overwritten by the caller.
func Build(b nn.Backend, cfg models.Config, batch int) (*nn.Network, error) {
	spec, err := models.Generator(cfg)
	if err != nil {
		return nil, err
	}
	return models.Build(b, spec, batch, rand.New(rand.NewPCG(0, 0)))
}

// Load builds the generator that src's weights are for, on b, and loads them.
func Load(b nn.Backend, src Source) (*nn.Network, error) {
	g, err := Build(b, src.Model(), 1)
	if err != nil {
		return nil, err
	}
	if err := src.Load(g); err != nil {
		return nil, err
	}
	return g, nil
}

// CheckShapes compares the parameter and buffer shapes that spec implies, layer by layer,
// with the tensors named prefix+"<layer>.<name>" that info describes, without allocating the
// network: a file of other sizes is refused before flags of absurd sizes allocate anything.
func CheckShapes(spec models.Spec, prefix string, info func(name string) (nn.Shape, bool)) error {
	shape := spec.In
	for i, l := range spec.Layers {
		p, err := l.Plan(shape)
		if err != nil {
			return err
		}
		for _, s := range append(p.Params, p.Buffers...) {
			name := fmt.Sprintf("%s%d.%s", prefix, i, s.Name)
			got, ok := info(name)
			if !ok || !got.Equal(s.Shape) {
				return &ShapeError{Name: name, Missing: !ok, Got: got, Want: s.Shape}
			}
		}
		shape = p.Out
	}
	return nil
}

// ShapeError is a tensor that CheckShapes found missing or of another shape.
type ShapeError struct {
	Name      string
	Missing   bool
	Got, Want nn.Shape
}

func (e *ShapeError) Error() string {
	if e.Missing {
		return fmt.Sprintf("no tensor %q", e.Name)
	}
	return fmt.Sprintf("tensor %q is %v, want %v", e.Name, e.Got, e.Want)
}
