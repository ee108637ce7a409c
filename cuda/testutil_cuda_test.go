//go:build cuda

package cuda

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"gogan/cpu"
	"gogan/nn"
)

// The test binary starts only where the driver found a GPU: elsewhere package guard reports
// the reason and exits before any test (see make test-cuda). One backend serves every test,
// as starting one compiles all the kernels.
var (
	shared     *Backend
	sharedErr  error
	sharedOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close the shared backend:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// gpu returns the shared backend, failing the test when it cannot start.
func gpu(t testing.TB) *Backend {
	t.Helper()
	sharedOnce.Do(func() {
		var b nn.Backend
		b, sharedErr = New(Options{})
		if sharedErr == nil {
			shared = b.(*Backend)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	if err := shared.Sync(); err != nil {
		t.Fatalf("the shared backend failed in an earlier test: %v", err)
	}
	return shared
}

// backends are the CPU reference and the GPU, in that order.
func backends(t testing.TB) []nn.Backend { return []nn.Backend{cpu.New(), gpu(t)} }
