//go:build !linux

package memlimit

import "runtime"

// systemLimits knows no system limits outside Linux; Go's own memory limit still applies.
func systemLimits() []Limit { return nil }

func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
