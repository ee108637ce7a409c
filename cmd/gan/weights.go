package main

import (
	"fmt"
	"gogan/internal/plainfile"
	"io"
	"math/rand/v2"
	"strings"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/models"
	"gogan/nn"
	"gogan/pth"
	"gogan/train"
)

// stateFile is a generator's state dict as a file holds it: a PyTorch .pth or a safetensors
// file.
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
	f, err := plainfile.Open(path) // a FIFO would block open
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

// loadWeights reads a generator's state dict, infers its architecture and sizes from the
// tensors' shapes, checks them against the sizes the flags give (zero for a flag not
// given), and builds the generator with the weights. Nothing sized by the flags is
// allocated before they agree with the file.
func loadWeights(b nn.Backend, flags models.Config, path string) (*nn.Network, models.Config, error) {
	f, err := readStateFile(path)
	if err != nil {
		return nil, models.Config{}, err
	}
	names := f.Names()
	prefix, err := models.StatePrefix(names)
	if err != nil {
		return nil, models.Config{}, fmt.Errorf("%s is %w", path, err)
	}
	shapes := map[string][]int{}
	for _, name := range names {
		shapes[strings.TrimPrefix(name, prefix)], _ = f.Shape(name)
	}
	cfg, err := models.InferGenerator(shapes)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s is %w", path, err)
	}
	if err := checkFlagSizes(flags, cfg); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	spec, err := models.Generator(cfg)
	if err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	g, err := models.Build(b, spec, 1, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, cfg, err
	}
	state := map[string]*tensor.Dense{}
	for _, name := range names {
		short := strings.TrimPrefix(name, prefix)
		if strings.HasSuffix(short, ".num_batches_tracked") {
			continue
		}
		values, err := f.F32(name)
		if err != nil {
			return nil, cfg, err
		}
		if err := train.CheckTensor(name, values); err != nil {
			return nil, cfg, fmt.Errorf("%s: %w", path, err)
		}
		state[short] = tensor.New(tensor.WithShape(shapes[short]...), tensor.WithBacking(values))
	}
	if err := g.LoadState(state); err != nil {
		return nil, cfg, fmt.Errorf("%s: %w", path, err)
	}
	return g, cfg, nil
}

// checkFlagSizes compares the sizes the flags state with those the weights hold.
func checkFlagSizes(flags, got models.Config) error {
	holds := fmt.Sprintf("a %s generator with nz %d, ngf %d and nc %d", got.Arch, got.NZ, got.NGF, got.NC)
	if flags.Arch != "" && flags.Arch != got.Arch {
		return fmt.Errorf("--arch %s, but the weights are %s", flags.Arch, holds)
	}
	for _, f := range []struct {
		name       string
		flag, file int
	}{{"nz", flags.NZ, got.NZ}, {"ngf", flags.NGF, got.NGF}, {"nc", flags.NC, got.NC}} {
		if f.flag != 0 && f.flag != f.file {
			return fmt.Errorf("--%s %d, but the weights are %s", f.name, f.flag, holds)
		}
	}
	return nil
}
