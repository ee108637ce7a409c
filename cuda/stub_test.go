//go:build !cuda

package cuda

import (
	"errors"
	"strings"
	"testing"
)

func TestStubSaysHowToRebuild(t *testing.T) {
	b, err := New(Options{})
	if b != nil || !errors.Is(err, ErrNotBuilt) {
		t.Fatalf("New = %v, %v; want nil, ErrNotBuilt", b, err)
	}
	if !strings.Contains(err.Error(), "make build-cuda") {
		t.Errorf("error %q does not say how to rebuild", err)
	}
	if Available() {
		t.Error("Available() = true in a build without CUDA")
	}
	if s, err := Info(); s != "" || !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Info = %q, %v; want \"\", ErrNotBuilt", s, err)
	}
}
