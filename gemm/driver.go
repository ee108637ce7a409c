package gemm

import (
	"sync"
	"unsafe"

	"gogan/internal/workers"
)

const (
	// minWorkerFlops is the least work worth a goroutine of its own: about 20 µs at the
	// kernels' speed, against a microsecond or two to start and join one.
	minWorkerFlops = 4 << 20
	// chunksPerWorker is how many chunks each goroutine gets on average: with several,
	// one whose core is busy with other work takes fewer, and the others finish its share.
	chunksPerWorker = 4
	// defaultShared caps the operand packed whole for all goroutines (64 MiB); deeper
	// problems are cut along k into spans that fit.
	defaultShared = 16 << 20
	// sharedPanels is how many panels of the shared operand one packing job covers.
	sharedPanels = 8
	// inPlaceFloats is the largest k block of op(A) read in place: 16 KiB, which stays in
	// the L1 cache however its rows fall.
	inPlaceFloats = 4096
)

// run computes p on path pth with at most workers goroutines.
//
// The split is along n or m, never k. Splitting along n, op(A) is packed once, in full,
// and shared; each chunk of columns packs its own part of op(B) and runs the Goto loops
// over it. Splitting along m swaps the roles. Chunks are handed out one at a time, and every
// chunk starts and ends on a tile boundary, so a tile's result does not depend on which
// goroutine computed it or how many there were.
func run(pth *path, workers int, p *problem) {
	if p.m == 0 || p.n == 0 {
		return
	}
	if p.k == 0 || p.alpha == 0 {
		scaleC(p)
		return
	}
	if pth.dot != nil && useDot(p) {
		runDot(*pth.dot, workers, p)
		return
	}
	pth = pth.forShape(p)
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	pl := newPlan(pth, max(1, min(workers, int(flops/minWorkerFlops))), p)
	for pl.k0 = 0; pl.k0 < p.k; pl.k0 += pl.kSpan {
		pl.k1 = min(p.k, pl.k0+pl.kSpan)
		if !pl.aInPlace {
			pl.runPhase(packPhase, ceilDiv(pl.k1-pl.k0, pth.kc)*pl.groups)
		}
		pl.runPhase(computePhase, pl.chunks)
	}
	pl.p = problem{} // drop the caller's slices
	plans.put(pl)
}

// A plan is how one call splits its work, and the state its goroutines share.
type plan struct {
	pth        *path
	p          problem // a copy, so that the caller's does not escape
	workers    int
	splitN     bool // chunks are ranges of columns sharing op(A); else of rows sharing op(B)
	chunk      int  // columns or rows per chunk, a multiple of the tile
	chunks     int
	sharedUnit int // mr or nr: the panel width of the shared operand
	sharedRows int // its rows (of op(A)) or columns (of op(B)), rounded up to whole panels
	groups     int // packing jobs per k block of the shared operand
	kSpan      int // depth packed at once, a multiple of kc
	k0, k1     int // the span being computed
	shared     []float32
	// Operands the kernel reads where they lie instead of from packed panels: a small op(A)
	// already stored k-major, or an op(B) stored k-major whose panels few row tiles reuse,
	// where packing would cost more than the strided reads.
	aInPlace, bInPlace bool

	phase int // packPhase or computePhase
}

const (
	packPhase = iota
	computePhase
)

// plans keeps plans, with their shared buffers, between calls.
var plans freeList[plan]

// A freeList keeps values between calls. Unlike a sync.Pool it is never emptied by the
// garbage collector, so that steady-state calls allocate nothing; it holds as many values as
// were ever in use at once, a few per goroutine that calls Sgemm.
type freeList[T any] struct {
	mu   sync.Mutex
	free []*T
}

// get returns a kept value, or nil when there is none.
func (l *freeList[T]) get() *T {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.free)
	if n == 0 {
		return nil
	}
	v := l.free[n-1]
	l.free[n-1] = nil
	l.free = l.free[:n-1]
	return v
}

func (l *freeList[T]) put(v *T) {
	l.mu.Lock()
	l.free = append(l.free, v)
	l.mu.Unlock()
}

func newPlan(pth *path, workers int, p *problem) *plan {
	pl := plans.get()
	if pl == nil {
		pl = new(plan)
	}
	pl.pth, pl.p, pl.workers = pth, *p, workers
	mt, nt := ceilDiv(p.m, pth.mr), ceilDiv(p.n, pth.nr)
	pl.splitN = nt >= chunksPerWorker*workers || nt >= mt
	tiles, unit, most := nt, pth.nr, pth.nc/pth.nr
	pl.sharedUnit, pl.sharedRows = pth.mr, mt*pth.mr
	if !pl.splitN {
		tiles, unit, most = mt, pth.mr, pth.mc/pth.mr
		pl.sharedUnit, pl.sharedRows = pth.nr, nt*pth.nr
	}
	per := most
	if workers > 1 {
		// Few tiles are handed out one by one: 9 in chunks of 2 would leave one goroutine
		// of two with 3 chunks to the other's 2.
		per = min(most, max(1, tiles/(chunksPerWorker*workers)))
	}
	pl.chunk, pl.chunks = per*unit, ceilDiv(tiles, per)
	pl.groups = ceilDiv(pl.sharedRows/pl.sharedUnit, sharedPanels)
	limit := defaultShared
	if pth.maxShared > 0 {
		limit = pth.maxShared
	}
	pl.kSpan = max(pth.kc, limit/pl.sharedRows/pth.kc*pth.kc)
	pl.aInPlace = pl.splitN && p.transA && p.m%pth.mr == 0 && p.m*min(p.k, pth.kc) <= inPlaceFloats
	pl.bInPlace = pl.splitN && !p.transB && p.n%pth.nr == 0 && p.m <= 2*pth.mr
	if n := pl.sharedRows * min(pl.kSpan, p.k); cap(pl.shared) < n {
		pl.shared = alignedFloats(n)
	}
	return pl
}

// runPhase runs jobs [0, jobs) of a phase on up to pl.workers goroutines of the shared
// pool, each taking the next job when it finishes the last.
func (pl *plan) runPhase(phase, jobs int) {
	pl.phase = phase
	workers.Run(pl, jobs, 1, pl.workers)
}

// Run implements workers.Task: it runs jobs [lo, hi) of the current phase.
func (pl *plan) Run(lo, hi int) {
	w := pl.pth.buffers()
	for i := lo; i < hi; i++ {
		if pl.phase == packPhase {
			pl.packShared(i/pl.groups, i%pl.groups)
		} else {
			pl.compute(w, i)
		}
	}
	pl.pth.pool.put(w)
}

// packShared packs group g of sharedPanels panels of k block b of the span into the shared
// buffer, where the block starting at depth pc sits at sharedRows·(pc−k0).
func (pl *plan) packShared(b, g int) {
	pc := pl.k0 + b*pl.pth.kc
	kc := min(pl.pth.kc, pl.k1-pc)
	lo := g * sharedPanels * pl.sharedUnit
	if pl.splitN {
		hi := min(lo+sharedPanels*pl.sharedUnit, pl.p.m)
		packA(pl.pth, pl.shared[pl.sharedRows*(pc-pl.k0)+lo*kc:], &pl.p, lo, hi-lo, pc, kc)
		return
	}
	hi := min(lo+sharedPanels*pl.sharedUnit, pl.p.n)
	packB(pl.pth, pl.shared[pl.sharedRows*(pc-pl.k0)+lo*kc:], &pl.p, pc, kc, lo, hi-lo)
}

// compute runs chunk i over the span: for each k block, it packs the chunk's part of the
// other operand and runs the macro-kernel over it and the shared blocks.
func (pl *plan) compute(w *buffers, i int) {
	pth, p := pl.pth, &pl.p
	for pc := pl.k0; pc < pl.k1; pc += pth.kc {
		kc := min(pth.kc, pl.k1-pc)
		beta := p.beta
		if pc > 0 {
			beta = 1
		}
		shared := pl.shared[pl.sharedRows*(pc-pl.k0):]
		if pl.splitN {
			j0, j1 := i*pl.chunk, min(p.n, (i+1)*pl.chunk)
			b, bps, bs := w.b, kc*pth.nr, pth.nr
			if pl.bInPlace {
				b, bps, bs = p.b[pc*p.ldb+j0:], pth.nr, p.ldb
			} else {
				packB(pth, w.b, p, pc, kc, j0, j1-j0)
			}
			step := evenBlock(p.m, pth.mc, pth.mr)
			for ic := 0; ic < p.m; ic += step {
				mc := min(step, p.m-ic)
				a, aps, as := shared[ic*kc:], kc*pth.mr, pth.mr
				if pl.aInPlace {
					a, aps, as = p.a[pc*p.lda+ic:], pth.mr, p.lda
				}
				w.macro(pth, p, a, aps, as, b, bps, bs, ic, mc, j0, j1-j0, kc, beta)
			}
			continue
		}
		i0, i1 := i*pl.chunk, min(p.m, (i+1)*pl.chunk)
		packA(pth, w.a, p, i0, i1-i0, pc, kc)
		step := evenBlock(p.n, pth.nc, pth.nr)
		for jc := 0; jc < p.n; jc += step {
			nc := min(step, p.n-jc)
			w.macro(pth, p, w.a, kc*pth.mr, pth.mr, shared[jc*kc:], kc*pth.nr, pth.nr, i0, i1-i0, jc, nc, kc, beta)
		}
	}
}

// buffers are one goroutine's packed blocks of A and B and its scratch tile for the edges.
type buffers struct {
	a, b, tile []float32
}

// buffers takes a goroutine's buffers from the path's pool, so that steady-state calls do
// not allocate.
func (pth *path) buffers() *buffers {
	if w := pth.pool.get(); w != nil {
		return w
	}
	return &buffers{
		a:    alignedFloats(roundUp(pth.mc, pth.mr) * pth.kc),
		b:    alignedFloats(pth.kc * roundUp(pth.nc, pth.nr)),
		tile: alignedFloats(pth.mr * pth.nr),
	}
}

// macro runs the micro-kernel over an mc×kc block of op(A) and a kc×nc block of op(B),
// updating C[ic:ic+mc, jc:jc+nc]. Panel q of mr rows of A starts at a[q·aps] and its step p
// at as floats further; likewise the panels of nr columns of B, with bps and bs: packed
// panels have aps = kc·mr and as = mr, operands read in place their own strides.
func (w *buffers) macro(pth *path, p *problem, a []float32, aps, as int, b []float32, bps, bs int, ic, mc, jc, nc, kc int, beta float32) {
	mr, nr := pth.mr, pth.nr
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		bp := &b[jr/nr*bps]
		for ir := 0; ir < mc; ir += mr {
			mrr := min(mr, mc-ir)
			ap := &a[ir/mr*aps]
			ci := (ic+ir)*p.ldc + jc + jr
			if mrr == mr && nrr == nr {
				pth.kernel(kc, ap, as, bp, bs, &p.c[ci], p.ldc, p.alpha, beta)
				continue
			}
			// A partial tile goes through the scratch tile, with the same kernel and so
			// the same rounding as a full one.
			t := w.tile
			if beta != 0 {
				for i := range mrr {
					copy(t[i*nr:i*nr+nrr], p.c[ci+i*p.ldc:])
				}
			}
			pth.kernel(kc, ap, as, bp, bs, &t[0], nr, p.alpha, beta)
			for i := range mrr {
				copy(p.c[ci+i*p.ldc:ci+i*p.ldc+nrr], t[i*nr:])
			}
		}
	}
}

// cacheLine is the alignment of packed buffers, so that no panel row straddles two lines.
const cacheLine = 64

// alignedFloats returns n float32s starting on a cache line.
func alignedFloats(n int) []float32 {
	const per = cacheLine / 4
	s := make([]float32, n+per)
	off := int(uintptr(unsafe.Pointer(&s[0])) % cacheLine / 4)
	if off != 0 {
		off = per - off
	}
	return s[off : off+n : off+n]
}

// evenBlock cuts n into the fewest blocks of at most most, a multiple of unit, and returns
// their size, rounded up to the unit: 256 rows in blocks of up to 240 make two of 132, not
// 240 and a last 16 that streams the whole packed B for little arithmetic.
func evenBlock(n, most, unit int) int {
	return min(most, roundUp(ceilDiv(n, ceilDiv(n, most)), unit))
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
