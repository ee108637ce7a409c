//go:build !linux || race

package main

import "errors"

// canLimitAddressSpace is false where RLIMIT_AS is not dependable, and under the race
// detector, whose shadow memory needs far more address space than any useful limit allows.
const canLimitAddressSpace = false

func limitAddressSpace(bytes uint64) error {
	return errors.ErrUnsupported
}
