package generate

import (
	"fmt"
	"strings"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// Weights is a generator's state dict in a safetensors file, in PyTorch's names ("0.weight",
// ...), for the architecture Config says; num_batches_tracked, which generating does not use,
// is skipped.
type Weights struct {
	Path   string
	Config models.Config
	file   *checkpoints.File
}

// OpenWeights reads path's header and checks its tensors' shapes against cfg, so that flags
// of absurd sizes are refused before the network is allocated.
func OpenWeights(path string, cfg models.Config) (*Weights, error) {
	f, err := checkpoints.Read(path)
	if err != nil {
		return nil, err
	}
	if _, ok := f.Info("generator.0.weight"); ok {
		return nil, fmt.Errorf("%s is a gogan training checkpoint, not a generator's state dict: give it with --checkpoint", path)
	}
	spec, err := models.Generator(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s with --%w", path, err) // the error begins with the flag's name
	}
	info := func(name string) (nn.Shape, bool) {
		i, ok := f.Info(name)
		return nn.Shape(i.Shape), ok
	}
	if err := CheckShapes(spec, "", info); err != nil {
		return nil, fmt.Errorf("%s: %w, not a %s generator with --nz %d, --ngf %d and --nc %d", path, err, cfg.Arch, cfg.NZ, cfg.NGF, cfg.NC)
	}
	return &Weights{Path: path, Config: cfg, file: f}, nil
}

// Model is the architecture the weights were opened for.
func (w *Weights) Model() models.Config { return w.Config }

// ClassNames is nil: a state dict names no classes.
func (w *Weights) ClassNames() []string { return nil }

// Load copies the state dict into g, refusing a tensor that is not finite.
func (w *Weights) Load(g *nn.Network) error {
	state := map[string]*tensor.Dense{}
	for _, name := range w.file.Names() {
		if strings.HasSuffix(name, ".num_batches_tracked") {
			continue
		}
		info, _ := w.file.Info(name)
		values, err := w.file.F32(name)
		if err != nil {
			return err
		}
		if err := train.CheckTensor(name, values); err != nil {
			return fmt.Errorf("%s: %w", w.Path, err)
		}
		state[name] = tensor.New(tensor.WithShape(info.Shape...), tensor.WithBacking(values))
	}
	if err := g.LoadState(state); err != nil {
		return fmt.Errorf("%s: %w", w.Path, err)
	}
	return nil
}
