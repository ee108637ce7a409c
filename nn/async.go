package nn

// AsyncTransfers is implemented by backends whose copies between host and device can be
// queued like kernels (the CUDA backend): from and to page-locked host memory the copy runs
// when the device reaches it, while the host goes on queuing work. A training step built on
// it never waits for the device: it stages its inputs in page-locked memory and reads its
// statistics there one step later, after a fence says they have arrived.
type AsyncTransfers interface {
	// PinnedHost returns n float32 of page-locked host memory, zeroed, which stays valid until
	// the backend is closed.
	PinnedHost(n int) ([]float32, error)
	// UploadAsync queues a copy of src, page-locked memory from PinnedHost, into t. src is read
	// when the device reaches the copy, so it must not change until a fence recorded after the
	// copy has passed.
	UploadAsync(t *Tensor, src []float32)
	// DownloadAsync queues a copy of t into dst, page-locked memory from PinnedHost, which holds
	// the values once a fence recorded after the copy has passed.
	DownloadAsync(dst []float32, t *Tensor)
	// NewFence returns a fence, a mark in the queue of work.
	NewFence() (Fence, error)
}

// Fence marks a point in a backend's queue of work.
type Fence interface {
	// Record moves the mark to the end of the work queued so far.
	Record()
	// Wait returns once the work before the mark has run, or with the error of queued work
	// that failed. It does not wait when that work has run already.
	Wait() error
	// Close releases the fence.
	Close() error
}
