//go:build !unix

package data

import (
	"fmt"
	"io"
	"os"

	"gogan/internal/memlimit"
)

// mapPixels reads length bytes of f from offset into memory, where the system offers no
// memory mapping through golang.org/x/sys/unix; the pack then needs its images' size in memory.
func mapPixels(f *os.File, offset, length int64) (*mapping, error) {
	if err := memlimit.Check(float64(length), fmt.Sprintf("%s's images", f.Name()), "make a pack with a smaller image size"); err != nil {
		return nil, err
	}
	pixels := make([]uint8, length)
	if _, err := f.ReadAt(pixels, offset); err != nil && err != io.EOF {
		return nil, fmt.Errorf("read its images: %w", err)
	}
	return &mapping{pixels: pixels, unmap: func() error { return nil }}, nil
}
