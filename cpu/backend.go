// Package cpu is gogan's reference backend: every op of nn.Backend on host memory, using all
// cores. The CUDA backend is tested against it.
//
// Convolutions run as matrix multiplies over blocks of images (im2col in a channel-major
// layout, a block's columns sized to stay in the last-level cache), through package gemm,
// whose kernel can be replaced without touching the ops; a kernel that covers the whole
// image makes a convolution a Linear layer. Ops split their work over a pool of goroutines
// that lives as long as the process (parallel.go), and each output element is written by
// one worker with the same arithmetic whatever the split, so results do not depend on the
// core count. Scratch memory grows to the largest layer on the first step and is reused
// after, and ops keep their loop bodies in the Backend, so steady-state training allocates
// nothing.
//
// Every op is written in Go. On amd64 with AVX-512F the elementwise loops, BatchNorm, Adam
// and im2col and col2im for K = 4, S = 2 run as assembly (*_amd64.s) that does the Go
// loops' operations in the same order; the tests run both ways and compare. The purego
// build tag keeps to the Go loops.
package cpu

import (
	"fmt"
	"slices"

	"gogan/nn"
)

// Backend is the CPU implementation of nn.Backend. Like every backend it is driven from one
// goroutine at a time; it parallelises inside each op.
type Backend struct {
	scratch [3][]float32 // reusable work buffers, grown on demand
	spanBuf []span       // the spans of the current convolution's kernel columns
	tasks   tasks        // the ops' loop bodies, reused so that parallel ops do not allocate
}

// tasks holds one value of each op's task type; an op fills its own and hands the pool a
// pointer to it.
type tasks struct {
	im2col       im2colTask
	col2im       col2imTask
	channelMajor channelMajorTask
	bias         biasTask
	channelSum   channelSumTask
	activation   activationTask
	activationDX activationGradTask
	batchNorm    batchNormTask
	batchNormDX  batchNormGradTask
	adam         adamTask
	clamp        clampTask
}

// New returns a CPU backend.
func New() *Backend { return &Backend{} }

var _ nn.Backend = (*Backend)(nil)

// Name implements nn.Backend.
func (b *Backend) Name() string { return "cpu" }

// Sync implements nn.Backend; CPU ops finish before they return.
func (b *Backend) Sync() error { return nil }

// work returns scratch buffer i with at least n elements; its contents are undefined.
func (b *Backend) work(i, n int) []float32 {
	if cap(b.scratch[i]) < n {
		b.scratch[i] = make([]float32, n)
	}
	return b.scratch[i][:n]
}

func checkLen(op string, t *nn.Tensor, n int) {
	if t.Len() != n || len(t.Host) != n {
		panic(fmt.Sprintf("cpu: %s of %d elements into a tensor of %v", op, n, t.Shape))
	}
}

// checkShape panics when t is not of the wanted shape: shapes are fixed when a network is
// built, so a mismatch here is a broken invariant. The message quotes a copy of want, so
// that the argument list does not escape and the check allocates nothing.
func checkShape(op, name string, t *nn.Tensor, want ...int) {
	if !t.Shape.Equal(want) {
		panic(fmt.Sprintf("cpu: %s: %s is %v, want %v", op, name, t.Shape, nn.Shape(slices.Clone(want))))
	}
}
