package generate

import (
	"fmt"
	"io"
	"strings"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/internal/plainfile"
	"gogan/models"
	"gogan/nn"
	"gogan/pth"
	"gogan/train"
)

// Weights is a generator's state dict in a file of its own, a PyTorch .pth or a safetensors
// file, in PyTorch's names ("0.weight", ..., or under a prefix such as "module."), for the
// architecture and sizes its tensors' shapes imply; num_batches_tracked, which generating does
// not use, is skipped.
type Weights struct {
	Path   string
	Config models.Config
	file   stateFile
	prefix string
	shapes map[string][]int // by name without the prefix
}

// stateFile is a state dict as a file holds it.
type stateFile interface {
	Names() []string
	Shape(name string) ([]int, bool)
	F32(name string) ([]float32, error)
}

// safetensorsState adapts a safetensors file to stateFile.
type safetensorsState struct{ *checkpoints.File }

func (s safetensorsState) Shape(name string) ([]int, bool) {
	info, ok := s.Info(name)
	return info.Shape, ok
}

func (s safetensorsState) F32(name string) ([]float32, error) { return s.File.F32(name) }

// readStateFile reads a state dict, telling the formats apart by their first bytes: a zip
// (PyTorch's format), a pickle (PyTorch's legacy format, which pth refuses by name), or
// safetensors.
func readStateFile(path string) (stateFile, error) {
	f, err := plainfile.Open(path) // a FIFO would block the open
	if err != nil {
		return nil, err
	}
	head := make([]byte, 4)
	n, _ := io.ReadFull(f, head)
	f.Close()
	if string(head[:n]) == "PK\x03\x04" || n > 0 && head[0] == 0x80 {
		return pth.Read(path)
	}
	file, err := checkpoints.Read(path)
	if err != nil {
		return nil, err
	}
	return safetensorsState{file}, nil
}

// OpenWeights reads path's state dict, infers the generator's architecture and sizes from its
// tensors' shapes and checks them against the sizes asked for (zero, or an empty Arch, for any).
// Only the file's header is read into tensors' shapes: nothing sized by what was asked for is
// allocated before it agrees with the file.
func OpenWeights(path string, asked models.Config) (*Weights, error) {
	f, err := readStateFile(path)
	if err != nil {
		return nil, err
	}
	names := f.Names()
	prefix, err := models.StatePrefix(names)
	if err != nil {
		return nil, fmt.Errorf("%s is %w", path, err)
	}
	shapes := map[string][]int{}
	for _, name := range names {
		shapes[strings.TrimPrefix(name, prefix)], _ = f.Shape(name)
	}
	cfg, err := models.InferGenerator(shapes)
	if err != nil {
		return nil, fmt.Errorf("%s is %w", path, err)
	}
	if err := checkAskedSizes(asked, cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if _, err := models.Generator(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Weights{Path: path, Config: cfg, file: f, prefix: prefix, shapes: shapes}, nil
}

// Model is the architecture the weights are for.
func (w *Weights) Model() models.Config { return w.Config }

// ClassNames is nil: a state dict names no classes.
func (w *Weights) ClassNames() []string { return nil }

// Load copies the state dict into g, refusing a tensor that is not finite.
func (w *Weights) Load(g *nn.Network) error {
	state := map[string]*tensor.Dense{}
	for _, name := range w.file.Names() {
		short := strings.TrimPrefix(name, w.prefix)
		if strings.HasSuffix(short, ".num_batches_tracked") {
			continue
		}
		values, err := w.file.F32(name)
		if err != nil {
			return err
		}
		if err := train.CheckTensor(name, values); err != nil {
			return fmt.Errorf("%s: %w", w.Path, err)
		}
		state[short] = tensor.New(tensor.WithShape(w.shapes[short]...), tensor.WithBacking(values))
	}
	if err := g.LoadState(state); err != nil {
		return fmt.Errorf("%s: %w", w.Path, err)
	}
	return nil
}

// checkAskedSizes compares the sizes asked for (gan generate's flags) with those the weights hold.
func checkAskedSizes(asked, got models.Config) error {
	holds := fmt.Sprintf("a %s generator with nz %d, ngf %d and nc %d", got.Arch, got.NZ, got.NGF, got.NC)
	if asked.Arch != "" && asked.Arch != got.Arch {
		return fmt.Errorf("--arch %s, but the weights are %s", asked.Arch, holds)
	}
	for _, f := range []struct {
		name       string
		flag, file int
	}{{"nz", asked.NZ, got.NZ}, {"ngf", asked.NGF, got.NGF}, {"nc", asked.NC, got.NC}} {
		if f.flag != 0 && f.flag != f.file {
			return fmt.Errorf("--%s %d, but the weights are %s", f.name, f.flag, holds)
		}
	}
	return nil
}
