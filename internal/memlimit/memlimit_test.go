package memlimit

import (
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

// TestGoLimitBounds sets Go's memory limit and checks that Available and Check follow it.
func TestGoLimitBounds(t *testing.T) {
	old := debug.SetMemoryLimit(200 << 20)
	defer debug.SetMemoryLimit(old)
	avail := Available()
	if avail.Bytes > 200<<20 || avail.Source == "" {
		t.Fatalf("Available() = %+v under a 200 MiB Go limit", avail)
	}
	if err := Check(1<<20, "a small thing", ""); err != nil {
		t.Errorf("1 MiB refused under a 200 MiB limit: %v", err)
	}
	err := Check(1e9, "the dataset", "choose a smaller --image-size")
	if err == nil {
		t.Fatal("1 GB accepted under a 200 MiB limit")
	}
	for _, want := range []string{"the dataset needs about 1.0 GB", "the Go memory limit", "choose a smaller --image-size"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := Check(math.Inf(1), "an overflowing size", ""); err == nil || !strings.Contains(err.Error(), "more than an exabyte") {
		t.Errorf("an infinite need gave %v", err)
	}
}
