// Package memlimit tells how much memory this process may still take, so that a size is
// refused with a reason before it is allocated rather than ending in the runtime's "out of
// memory" crash. It takes the smallest of the limits that apply: the memory the machine has
// available, a cgroup's limit, the address-space limit (ulimit -v) and Go's own memory limit
// (GOMEMLIMIT or debug.SetMemoryLimit).
package memlimit

import (
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
)

// Limit is a number of bytes this process may still allocate and where that figure comes from.
type Limit struct {
	Bytes  float64
	Source string // such as "available memory" or "ulimit -v"
}

// Available is the memory this process may still allocate; Source is empty and Bytes +Inf
// when no limit could be read.
func Available() Limit {
	best := Limit{Bytes: math.Inf(1)}
	consider := func(bytes float64, source string) {
		if bytes >= 0 && bytes < best.Bytes {
			best = Limit{bytes, source}
		}
	}
	if goLimit := debug.SetMemoryLimit(-1); goLimit < math.MaxInt64 {
		// A limit below the heap already in use leaves no room at all, not a negative figure
		// to be ignored.
		consider(max(0, float64(goLimit)-float64(heapInUse())), "the Go memory limit")
	}
	for _, l := range systemLimits() {
		consider(l.Bytes, l.Source)
	}
	return best
}

// runtimeHeadroom is the memory a check keeps free beside what it is asked about.
const runtimeHeadroom = 192 << 20

// Check refuses need bytes of what when they exceed Available, with a one-line error that
// gives both figures and says what to change.
func Check(need float64, what, change string) error {
	avail := Available()
	// The headroom is what the Go runtime maps beside the figures estimated (heap metadata,
	// goroutine and thread stacks, the GC's work buffers): without it a run that fits the
	// estimate by a few megabytes dies with a runtime out-of-memory error instead of a refusal.
	if need+runtimeHeadroom <= avail.Bytes {
		return nil
	}
	msg := fmt.Sprintf("%s needs about %s of memory, more than the %s this process may use (%s)", what, Format(need), Format(avail.Bytes), avail.Source)
	if need <= avail.Bytes {
		msg = fmt.Sprintf("%s needs about %s of memory and the Go runtime about %s more, more than the %s this process may use (%s)",
			what, Format(need), Format(runtimeHeadroom), Format(avail.Bytes), avail.Source)
	}
	if change != "" {
		msg += "; " + change
	}
	return fmt.Errorf("%s", msg)
}

// Format prints a byte count in the largest unit that keeps it above 1.
func Format(bytes float64) string {
	switch {
	case math.IsInf(bytes, 1) || bytes >= 1e18:
		return "more than an exabyte"
	case bytes >= 1e12:
		return fmt.Sprintf("%.1f TB", bytes/1e12)
	case bytes >= 1e9:
		return fmt.Sprintf("%.1f GB", bytes/1e9)
	case bytes >= 1e6:
		return fmt.Sprintf("%.1f MB", bytes/1e6)
	}
	return fmt.Sprintf("%.0f kB", bytes/1e3)
}

// heapInUse is the Go heap's size in use, which counts against Go's memory limit.
func heapInUse() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
