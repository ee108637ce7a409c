package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// elementGrain is the smallest share of an elementwise op worth a worker.
const elementGrain = 1 << 14

// maxHelpers bounds the pool's goroutines, far above any core count this backend meets.
const maxHelpers = 255

// A task is the loop body of an op over the work units [lo, hi) of its output: elements,
// rows or channels, as the op defines them. Ops keep their task values inside the Backend
// and pass pointers to them, so that handing a task to the pool allocates nothing.
type task interface{ run(lo, hi int) }

// pool is the package's set of worker goroutines, started on first use and parked on a
// channel between ops, so that an op costs two channel handoffs per helper instead of a
// goroutine and a closure. One op runs on it at a time; an op that finds it busy (another
// Backend on another goroutine) runs on its caller alone.
type pool struct {
	mu      sync.Mutex
	helpers int           // goroutines started
	wake    chan struct{} // one token per helper wanted in the current op
	done    chan struct{} // the last helper out signals the caller

	// The current op, written by the caller before it sends the wake tokens.
	t             task
	n, chunk, cnt int          // work units, units per chunk, chunks
	next          atomic.Int64 // next chunk to claim
	active        atomic.Int32 // helpers that have not yet finished the op
}

var workers = pool{wake: make(chan struct{}, maxHelpers), done: make(chan struct{}, 1)}

// parallelFor runs t over the units [0, n) in chunks of at least grain units, on the
// caller and up to GOMAXPROCS−1 pool goroutines, and returns when all are done. Chunks are
// claimed dynamically, so a core that another process slows down takes fewer of them; every
// unit is run by exactly one call, so ops whose units write disjoint outputs with the same
// arithmetic whatever the range are deterministic whatever the core count.
func parallelFor(t task, n, grain int) {
	if n <= 0 {
		return
	}
	procs := min(runtime.GOMAXPROCS(0), maxHelpers+1)
	grain = max(grain, 1)
	if procs == 1 || n <= grain || !workers.mu.TryLock() {
		t.run(0, n)
		return
	}
	p := &workers
	// A few chunks per core balance the load without making claims a cost.
	chunk := max(grain, (n+4*procs-1)/(4*procs))
	p.t, p.n, p.chunk, p.cnt = t, n, chunk, (n+chunk-1)/chunk
	p.next.Store(0)
	h := min(procs, p.cnt) - 1
	for p.helpers < h {
		p.helpers++
		go p.help()
	}
	p.active.Store(int32(h))
	for range h {
		p.wake <- struct{}{}
	}
	p.claim()
	if h > 0 {
		<-p.done
	}
	p.t = nil
	p.mu.Unlock()
}

// help is a pool goroutine: it joins each op it is woken for.
func (p *pool) help() {
	for range p.wake {
		p.claim()
		if p.active.Add(-1) == 0 {
			p.done <- struct{}{}
		}
	}
}

// claim runs chunks of the current op until none is left.
func (p *pool) claim() {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= p.cnt {
			return
		}
		lo := i * p.chunk
		p.t.run(lo, min(lo+p.chunk, p.n))
	}
}
