package nntest

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"gogan/nn"
)

// ContractCase is one call of a Backend method: with valid operands (Want "") or with one
// operand or parameter that breaks the method's contract (Want is the contract's message).
type ContractCase struct {
	Name string
	Want string
	args contractArgs
	m    *contractMethod
}

// contractArgs are a call's operands, by name (a missing or nil shape is a nil tensor), and
// the parameters that some methods take.
type contractArgs struct {
	shapes map[string]nn.Shape
	n      int // host values of Upload and Download
	conv   nn.ConvParams
	act    nn.Activation
	term   nn.LossTerm
	train  bool
	step   int
}

// operands gives a method its tensors by name.
type operands func(name string) *nn.Tensor

type contractMethod struct {
	name  string
	base  contractArgs
	call  func(b nn.Backend, t operands, a contractArgs)
	check func(t operands, a contractArgs) error // the method's contract in nn
}

// ContractCases are every Backend method called with valid operands and with each way of
// breaking its contract that the backends once checked apart (or not at all).
func ContractCases() []ContractCase {
	var cases []ContractCase
	for _, v := range contractVariants {
		m := methodNamed(v.method)
		a := m.base
		a.shapes = maps.Clone(m.base.shapes)
		if v.edit != nil {
			v.edit(&a)
		}
		cases = append(cases, ContractCase{Name: v.method + "/" + v.desc, Want: v.want, args: a, m: m})
	}
	return cases
}

// CheckContract runs the case's contract in nn on operands that have shapes and no storage.
func (c ContractCase) CheckContract() error {
	t := func(name string) *nn.Tensor {
		s, ok := c.args.shapes[name]
		if !ok || s == nil {
			return nil
		}
		return &nn.Tensor{Shape: s.Clone()}
	}
	return c.m.check(t, c.args)
}

// Run calls the case's method on b and returns what it panicked with, or nil. The operands
// are zero-filled tensors of b, freed afterwards.
func (c ContractCase) Run(b nn.Backend) (panicked any) {
	var made []*nn.Tensor
	defer func() {
		for _, t := range made {
			b.Free(t)
		}
	}()
	t := func(name string) *nn.Tensor {
		s, ok := c.args.shapes[name]
		if !ok || s == nil {
			return nil
		}
		x := b.New(s...)
		made = append(made, x)
		return x
	}
	defer func() { panicked = recover() }()
	c.m.call(b, t, c.args)
	return nil
}

// RunContracts calls every ContractCase on b: a valid call must not panic and must leave b
// without an error; every other must panic with b's name and the contract's message, the
// same on every backend.
func RunContracts(t *testing.T, b nn.Backend) {
	for _, c := range ContractCases() {
		t.Run(c.Name, func(t *testing.T) {
			got := c.Run(b)
			if err := b.Sync(); err != nil {
				t.Fatalf("%s: %v", b.Name(), err)
			}
			if c.Want == "" {
				if got != nil {
					t.Errorf("a valid call panicked: %v", got)
				}
				return
			}
			want := b.Name() + ": " + c.Want
			if got != want {
				t.Errorf("panicked with %v\nwant %q", describePanic(got), want)
			}
		})
	}
}

func describePanic(v any) string {
	if v == nil {
		return "nothing (no panic)"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

func methodNamed(name string) *contractMethod {
	i := slices.IndexFunc(contractMethods, func(m *contractMethod) bool { return m.name == name })
	if i < 0 {
		panic("nntest: no contract method " + name)
	}
	return contractMethods[i]
}

// shapes builds an operand table from name, shape pairs.
func shapes(pairs ...any) map[string]nn.Shape {
	m := map[string]nn.Shape{}
	for i := 0; i < len(pairs); i += 2 {
		m[pairs[i].(string)] = nn.Shape(pairs[i+1].([]int))
	}
	return m
}

// set and drop edit one operand of a variant.
func set(name string, shape ...int) func(*contractArgs) {
	return func(a *contractArgs) { a.shapes[name] = shape }
}

func drop(name string) func(*contractArgs) {
	return func(a *contractArgs) { delete(a.shapes, name) }
}
