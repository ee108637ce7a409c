package nn_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"gogan/internal/nntest"
	"gogan/nn"
)

// TestContracts checks each contract on the cases that every backend is tested with: a valid
// call passes, every other fails with the message the backends must panic with.
func TestContracts(t *testing.T) {
	for _, c := range nntest.ContractCases() {
		t.Run(c.Name, func(t *testing.T) {
			err := c.CheckContract()
			if c.Want == "" {
				if err != nil {
					t.Errorf("a valid call fails: %v", err)
				}
				return
			}
			var se *nn.ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *nn.ShapeError %q", err, c.Want)
			}
			if err.Error() != c.Want {
				t.Errorf("got %q\nwant %q", err, c.Want)
			}
		})
	}
}

// TestEveryMethodHasContractCases checks that each Backend method that takes operands is
// called with wrong ones, so that a new method cannot go unchecked.
func TestEveryMethodHasContractCases(t *testing.T) {
	broken := map[string]bool{}
	for _, c := range nntest.ContractCases() {
		if c.Want != "" {
			broken[strings.SplitN(c.Name, "/", 2)[0]] = true
		}
	}
	bt := reflect.TypeFor[nn.Backend]()
	for i := range bt.NumMethod() {
		name := bt.Method(i).Name
		switch name {
		case "Name", "Sync", "Free": // no operands to break
			continue
		}
		if !broken[name] {
			t.Errorf("Backend.%s has no contract case with wrong operands", name)
		}
	}
}

// TestContractsAllocateNothing checks that a passing contract costs no allocation: backends
// call one per op, and a training step allocates nothing.
func TestContractsAllocateNothing(t *testing.T) {
	x, w, bias := shaped(2, 3, 5, 5), shaped(4, 3, 3, 3), shaped(4)
	out, dx, dw := shaped(2, 4, 5, 5), shaped(2, 3, 5, 5), shaped(4, 3, 3, 3)
	p := nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}
	bn, c := shaped(4, 3, 2), shaped(3)
	allocs := testing.AllocsPerRun(10, func() {
		_, e1 := nn.CheckConv2DForward(out, x, w, bias, p)
		_, e2 := nn.CheckConv2DBackward(dx, dw, bias, out, x, w, p)
		_, e3 := nn.CheckBatchNormForward(bn, bn, c, c, c, c, c, c, nn.BatchNormParams{Training: true})
		_, e4 := nn.CheckAdamStep(c, c, c, c, nn.AdamParams{Step: 1})
		if e1 != nil || e2 != nil || e3 != nil || e4 != nil {
			panic("valid operands fail their contract")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run of valid contracts, want 0", allocs)
	}
}

func shaped(shape ...int) *nn.Tensor { return &nn.Tensor{Shape: nn.Shape(shape)} }
