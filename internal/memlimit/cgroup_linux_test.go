//go:build linux

package memlimit

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// TestNestedCgroupLimit builds fake cgroup trees, v2 and v1, where the limit is set on a
// nested cgroup (as a container or a systemd slice sets it) and a looser one above it: the
// smallest room left on the way from the process's own cgroup up to the root is the limit.
func TestNestedCgroupLimit(t *testing.T) {
	write := func(path, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, self       string
		maxName, curName string
		prefix           string
	}{
		{"v2", "0::/system.slice/job.scope\n", "memory.max", "memory.current", ""},
		{"v1", "4:memory:/system.slice/job.scope\n1:cpu:/\n", "memory.limit_in_bytes", "memory.usage_in_bytes", "memory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			at := func(rel, name string) string { return filepath.Join(root, c.prefix, rel, name) }
			write(at("", c.maxName), "max")
			write(at("", c.curName), "1000000000")
			write(at("system.slice", c.maxName), "8000000000")
			write(at("system.slice", c.curName), "3000000000")
			write(at("system.slice/job.scope", c.maxName), "2000000000")
			write(at("system.slice/job.scope", c.curName), "500000000")
			l, ok := cgroupLimit(root, []byte(c.self))
			if !ok || l.Bytes != 1.5e9 {
				t.Fatalf("limit %+v (found %v), want the nested cgroup's 2 GB less its 0.5 GB in use", l, ok)
			}
			write(at("system.slice", c.curName), "7000000000")
			if l, _ := cgroupLimit(root, []byte(c.self)); l.Bytes != 1e9 {
				t.Errorf("limit %+v, want the 1 GB left under the slice above it", l)
			}
		})
	}
}

// TestGoLimitBelowHeap sets Go's memory limit below the heap already in use, as
// GOMEMLIMIT=1MiB does: no room is left, so every size is refused (the negative figure was
// once ignored and the limit with it).
func TestGoLimitBelowHeap(t *testing.T) {
	below := int64(heapInUse() / 2)
	old := debug.SetMemoryLimit(below)
	defer debug.SetMemoryLimit(old)
	if avail := Available(); avail.Bytes != 0 || avail.Source != "the Go memory limit" {
		t.Fatalf("Available() = %+v under a Go limit of %d bytes, half the heap in use", avail, below)
	}
	if err := Check(1<<20, "a 1 MB thing", ""); err == nil {
		t.Error("1 MB accepted under a Go limit below the heap in use")
	}
}
