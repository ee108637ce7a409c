//go:build unix

package data

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapPixels maps length bytes of f from offset, read-only and shared, so that the pages are
// the page cache's and the system can reclaim them. The mapping starts at the file's
// beginning, since offset need not be a multiple of the page size everywhere.
func mapPixels(f *os.File, offset, length int64) (*mapping, error) {
	total := offset + length
	if total != int64(int(total)) {
		return nil, fmt.Errorf("%d bytes do not fit this machine's address space", total)
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, int(total), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map %d bytes: %w", total, err)
	}
	pixels := mem[offset:total:total]
	return &mapping{
		pixels: pixels,
		unmap:  func() error { return unix.Munmap(mem) },
	}, nil
}
