package models

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"gogan/nn"
)

// statePrefixes are the prefixes PyTorch code puts before a generator's layer indices:
// pytorch/examples' dcgan/main.py keeps its layers in self.main, and nn.DataParallel and
// DistributedDataParallel wrap a model as self.module.
var statePrefixes = []string{"", "main.", "module.", "module.main."}

// StatePrefix finds the prefix that every name of a generator's state dict shares before
// its layer indices ("0.weight" under "main." is "main.0.weight"). Names of BatchNorm's
// num_batches_tracked count like any other.
func StatePrefix(names []string) (string, error) {
	for _, p := range statePrefixes {
		ok := len(names) > 0
		for _, n := range names {
			rest, found := strings.CutPrefix(n, p)
			ok = ok && found && rest != "" && rest[0] >= '0' && rest[0] <= '9'
		}
		if ok {
			return p, nil
		}
	}
	if slices.Contains(names, "generator.0.weight") {
		return "", errors.New("a gogan training checkpoint, not a generator's state dict: give it with --checkpoint")
	}
	return "", fmt.Errorf("not a generator's state dict: its names (such as %q) are not layer indices with one of the prefixes %q", first(names), statePrefixes[1:])
}

func first(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return names[0]
}

// InferGenerator finds the unconditional generator whose parameters and buffers have the
// shapes given, by name without prefix (num_batches_tracked, which generating does not use,
// is ignored). Each architecture's layer list is planned with widths of 1 to read where nz,
// ngf and nc show in the shapes: nz is the first layer's input channels, nc the last
// transposed convolution's output channels, and ngf that layer's input channels over the
// multiple of ngf the definition gives it. The candidate is then checked against every
// shape. A class-conditional generator's first layer takes nz + classes channels, which
// its shapes cannot tell apart: a state dict is read as an unconditional generator.
func InferGenerator(shapes map[string][]int) (Config, error) {
	var found []Config
	var reasons []string
	for _, arch := range slices.Sorted(maps.Keys(Archs)) {
		cfg, err := inferArch(arch, shapes)
		if err != nil {
			reasons = append(reasons, fmt.Sprintf("not %s (%v)", arch, err))
			continue
		}
		found = append(found, cfg)
	}
	switch len(found) {
	case 0:
		return Config{}, fmt.Errorf("not a DCGAN generator: %s", strings.Join(reasons, "; "))
	case 1:
		return found[0], nil
	}
	return Config{}, fmt.Errorf("the shapes fit both %s and %s", found[0].Arch, found[1].Arch)
}

// inferArch reads nz, ngf and nc off the shapes as the architecture's definition places
// them and checks every shape against the result.
func inferArch(arch string, shapes map[string][]int) (Config, error) {
	probe, err := Generator(Config{Arch: arch, NZ: 1, NGF: 1, NDF: 1, NC: 1})
	if err != nil {
		return Config{}, err
	}
	last := -1
	for i, l := range probe.Layers {
		if _, ok := l.(*nn.ConvTranspose2d); ok {
			last = i
		}
	}
	firstW, lastW := shapes["0.weight"], shapes[fmt.Sprintf("%d.weight", last)]
	if len(firstW) != 4 || len(lastW) != 4 {
		return Config{}, fmt.Errorf("no 4-dimensional 0.weight and %d.weight", last)
	}
	perNGF := probe.Layers[last].(*nn.ConvTranspose2d).In
	if lastW[0]%perNGF != 0 {
		return Config{}, fmt.Errorf("%d.weight has %d input channels, not a multiple of %d", last, lastW[0], perNGF)
	}
	cfg := Config{Arch: arch, NZ: firstW[0], NGF: lastW[0] / perNGF, NDF: 1, NC: lastW[1]}
	spec, err := Generator(cfg)
	if err != nil {
		return Config{}, err
	}
	if err := CheckShapes(spec, shapes); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// CheckShapes compares the parameter and buffer shapes that spec implies, layer by layer,
// with the tensors of the same names (layer index, dot, PyTorch's name), without allocating
// the network. Tensors that spec does not have are an error too, except BatchNorm's
// num_batches_tracked, which generating does not use.
func CheckShapes(spec Spec, shapes map[string][]int) error {
	shape := spec.In
	want := 0
	for i, l := range spec.Layers {
		p, err := l.Plan(shape)
		if err != nil {
			return err
		}
		for _, s := range append(p.Params, p.Buffers...) {
			name := fmt.Sprintf("%d.%s", i, s.Name)
			got, ok := shapes[name]
			if !ok {
				return fmt.Errorf("no tensor %q", name)
			}
			if !nn.Shape(got).Equal(s.Shape) {
				return fmt.Errorf("tensor %q is %v, want %v", name, nn.Shape(got), s.Shape)
			}
			want++
		}
		shape = p.Out
	}
	for name := range shapes {
		if !strings.HasSuffix(name, ".num_batches_tracked") {
			want--
		}
	}
	if want != 0 {
		return fmt.Errorf("tensors that a %s does not have", spec.Name)
	}
	return nil
}
