//go:build linux && !race

package main

import "syscall"

// canLimitAddressSpace says whether limitAddressSpace works here.
const canLimitAddressSpace = true

// limitAddressSpace caps this process's virtual memory, so that an absurd allocation fails
// here, as an error or a crash the test reports, instead of taking the machine's memory.
func limitAddressSpace(bytes uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: bytes, Max: bytes})
}
