package data

import (
	"fmt"
	"image"
	"runtime"
	"sync"

	"gogan/internal/memlimit"
)

// decodeBytesPerPixel is what decoding an image and resampling it hold at once, per pixel of
// the image: up to 8 bytes decoded (16-bit RGBA) and 4 in the NRGBA copy the resampler makes.
const decodeBytesPerPixel = 12

// maxDecodeBudget bounds the memory that concurrent decodes share: a folder of small files
// that each decode to hundreds of megabytes (a decompression bomb is 47 KB on disk for
// 7000×7000) must not multiply that by the number of cores.
const maxDecodeBudget = 1 << 30

// bigDecode is a decode large enough that its garbage is collected at once.
const bigDecode = 64 << 20

// decodeBudget is the memory that concurrent image decodes may hold together; a decode
// waits until its image's share is free.
type decodeBudget struct {
	mu    sync.Mutex
	freed *sync.Cond
	free  float64
	total float64
	avail memlimit.Limit
}

func newDecodeBudget() *decodeBudget {
	avail := memlimit.Available()
	b := &decodeBudget{total: min(maxDecodeBudget, avail.Bytes/4), avail: avail}
	b.free = b.total
	b.freed = sync.NewCond(&b.mu)
	return b
}

// acquire waits for the memory an image of size px needs and returns the share to release;
// an image that alone needs more than half of what the process may use is refused.
func (b *decodeBudget) acquire(px image.Point) (float64, error) {
	need := decodeBytesPerPixel * float64(px.X) * float64(px.Y)
	if need > b.avail.Bytes/2 {
		return 0, fmt.Errorf("%d×%d pixels need about %s to decode, more than this process may use (%s)",
			px.X, px.Y, memlimit.Format(need), b.avail.Source)
	}
	share := min(need, b.total) // one larger than the budget waits to decode alone
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.free < share {
		b.freed.Wait()
	}
	b.free -= share
	return share, nil
}

func (b *decodeBudget) release(share float64) {
	if share >= bigDecode {
		// The garbage of a large decode is collected before the next one allocates, so
		// that the heap reuses its pages rather than growing past the address-space limit.
		runtime.GC()
	}
	b.mu.Lock()
	b.free += share
	b.mu.Unlock()
	b.freed.Broadcast()
}
