//go:build unix

package data

import (
	"syscall"
	"time"
)

// processCPUSeconds is the user and system time this process has used, or 0 where the
// system does not say.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
