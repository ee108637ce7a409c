//go:build !linux

package memlimit

// systemLimits knows no system limits outside Linux; Go's own memory limit still applies.
func systemLimits() []Limit { return nil }
