package models

import (
	"fmt"
	"strings"
	"testing"

	"gogan/nn"
)

// stateShapes lists the shapes of a generator's state dict as PyTorch saves it, with
// num_batches_tracked after each BatchNorm's statistics.
func stateShapes(t *testing.T, cfg Config) map[string][]int {
	t.Helper()
	spec, err := Generator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string][]int{}
	in := spec.In
	for i, l := range spec.Layers {
		p, err := l.Plan(in)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range append(p.Params, p.Buffers...) {
			shapes[fmt.Sprintf("%d.%s", i, s.Name)] = []int(s.Shape)
		}
		if _, ok := l.(*nn.BatchNorm); ok {
			shapes[fmt.Sprintf("%d.num_batches_tracked", i)] = []int{}
		}
		in = p.Out
	}
	return shapes
}

func TestInferGenerator(t *testing.T) {
	for _, cfg := range []Config{
		{Arch: "dcgan28", NZ: 100, NGF: 64, NDF: 1, NC: 1},
		{Arch: "dcgan28", NZ: 7, NGF: 3, NDF: 1, NC: 3},
		{Arch: "dcgan64", NZ: 100, NGF: 64, NDF: 1, NC: 3},
		{Arch: "dcgan64", NZ: 16, NGF: 5, NDF: 1, NC: 1},
	} {
		t.Run(fmt.Sprintf("%s-nz%d-ngf%d-nc%d", cfg.Arch, cfg.NZ, cfg.NGF, cfg.NC), func(t *testing.T) {
			got, err := InferGenerator(stateShapes(t, cfg))
			if err != nil {
				t.Fatal(err)
			}
			if got != cfg {
				t.Fatalf("inferred %+v, want %+v", got, cfg)
			}
		})
	}
}

func TestInferGeneratorRefuses(t *testing.T) {
	good := Config{Arch: "dcgan64", NZ: 10, NGF: 4, NDF: 1, NC: 3}
	cases := []struct {
		name, want string
		edit       func(map[string][]int)
	}{
		{"a BatchNorm of the wrong width", `tensor "4.weight" is (15), want (16)`, func(s map[string][]int) { s["4.weight"] = []int{15} }},
		{"a missing statistic", `no tensor "7.running_var"`, func(s map[string][]int) { delete(s, "7.running_var") }},
		{"an extra tensor", "does not have", func(s map[string][]int) { s["14.weight"] = []int{3} }},
		{"a discriminator", "no 4-dimensional", func(s map[string][]int) {
			clear(s)
			s["0.weight"] = []int{64, 3, 4, 4}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := stateShapes(t, good)
			c.edit(s)
			_, err := InferGenerator(s)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestStatePrefix(t *testing.T) {
	cases := []struct {
		names []string
		want  string
		err   string
	}{
		{[]string{"0.weight", "1.running_mean"}, "", ""},
		{[]string{"main.0.weight", "main.1.num_batches_tracked"}, "main.", ""},
		{[]string{"module.0.weight"}, "module.", ""},
		{[]string{"module.main.0.weight", "module.main.12.weight"}, "module.main.", ""},
		{[]string{"main.0.weight", "0.weight"}, "", "not a generator's state dict"},
		{[]string{"generator.0.weight", "discriminator.0.weight"}, "", "--checkpoint"},
		{[]string{"fc.weight"}, "", `such as "fc.weight"`},
		{nil, "", "not a generator's state dict"},
	}
	for _, c := range cases {
		got, err := StatePrefix(c.names)
		switch {
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%q: got %q, %v; want %q", c.names, got, err, c.want)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: got %q, %v; want an error containing %q", c.names, got, err, c.err)
		}
	}
}
