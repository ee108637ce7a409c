// Package workers is the process's pool of compute goroutines, shared by the CPU backend's
// elementwise ops and its matrix multiply.
//
// The goroutines start on first use and park on a channel between calls, so that a call costs
// two channel handoffs per helper instead of a goroutine and a closure, and allocates nothing.
// One call runs on the pool at a time; a call that finds it busy (another op on another
// goroutine, or a call made from inside a task) runs on its caller alone, which gives the same
// results, since every unit is run exactly once whoever runs it.
package workers

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// spinTime is how long a goroutine waits actively, yielding to others, before it parks: a
// training step makes its parallel calls back to back, tens of microseconds apart, and
// waking a parked goroutine costs about that much again on a virtual machine.
const spinTime = 50 * time.Microsecond

// MaxProcs bounds the goroutines of one call, caller included: far above any core count the
// pool meets, and a fixed size for the wake channel.
const MaxProcs = 256

// A Task is the loop body of a call over the work units [lo, hi): elements, rows, channels or
// jobs, as the caller defines them. Callers keep their tasks in long-lived values and pass
// pointers, so that handing one to the pool allocates nothing.
type Task interface{ Run(lo, hi int) }

type pool struct {
	mu      sync.Mutex
	helpers int           // goroutines started
	wake    chan struct{} // one token per helper wanted in the current call
	done    chan struct{} // the last helper out signals the caller

	// The current call, written by the caller before it sends the wake tokens.
	t             Task
	n, chunk, cnt int          // work units, units per chunk, chunks
	next          atomic.Int64 // next chunk to claim
	active        atomic.Int32 // helpers that have not yet finished the call
}

var shared = pool{wake: make(chan struct{}, MaxProcs), done: make(chan struct{}, 1)}

// Run runs t over the units [0, n) in chunks of chunk units, on the caller and up to
// procs−1 pool goroutines, and returns when all are done. Chunks are claimed one at a time,
// so a core that another process slows down takes fewer of them.
func Run(t Task, n, chunk, procs int) {
	if n <= 0 {
		return
	}
	chunk = max(chunk, 1)
	cnt := (n + chunk - 1) / chunk
	procs = min(procs, cnt, MaxProcs)
	if procs <= 1 || !shared.mu.TryLock() {
		t.Run(0, n)
		return
	}
	p := &shared
	p.t, p.n, p.chunk, p.cnt = t, n, chunk, cnt
	p.next.Store(0)
	h := procs - 1
	for p.helpers < h {
		p.helpers++
		go p.help()
	}
	p.active.Store(int32(h))
	for range h {
		p.wake <- struct{}{}
	}
	p.claim()
	p.spinUntilDone()
	<-p.done
	p.t = nil
	p.mu.Unlock()
}

// help is a pool goroutine: it joins each call it is woken for.
func (p *pool) help() {
	for {
		select {
		case <-p.wake:
		default:
			p.spinUntilWoken()
			<-p.wake
		}
		p.claim()
		if p.active.Add(-1) == 0 {
			p.done <- struct{}{}
		}
	}
}

// spinUntilWoken waits up to spinTime for a wake token, yielding the processor between tries.
func (p *pool) spinUntilWoken() {
	start := time.Now()
	for i := 0; len(p.wake) == 0; i++ {
		if i%16 == 15 && time.Since(start) > spinTime {
			return
		}
		runtime.Gosched()
	}
}

// spinUntilDone waits up to spinTime for the helpers to finish the call.
func (p *pool) spinUntilDone() {
	start := time.Now()
	for i := 0; p.active.Load() != 0; i++ {
		if i%16 == 15 && time.Since(start) > spinTime {
			return
		}
		runtime.Gosched()
	}
}

// claim runs chunks of the current call until none is left.
func (p *pool) claim() {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= p.cnt {
			return
		}
		lo := i * p.chunk
		p.t.Run(lo, min(lo+p.chunk, p.n))
	}
}
