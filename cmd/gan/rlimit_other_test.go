//go:build !linux

package main

import "errors"

// limitAddressSpace is not implemented where RLIMIT_AS is not dependable; the tests that
// need it skip.
func limitAddressSpace(bytes uint64) error {
	return errors.ErrUnsupported
}
