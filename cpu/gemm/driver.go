package gemm

import (
	"sync"
	"unsafe"
)

// minWorkerFlops is the least work worth a goroutine of its own: about 20 µs at the kernels'
// speed, against a microsecond or two to start and join one.
const minWorkerFlops = 4 << 20

// run computes p on path pth with at most workers goroutines.
func run(pth *path, workers int, p *problem) {
	if p.m == 0 || p.n == 0 {
		return
	}
	if p.k == 0 || p.alpha == 0 {
		scaleC(p)
		return
	}
	flops := 2 * float64(p.m) * float64(p.n) * float64(p.k)
	workers = max(1, min(workers, int(flops/minWorkerFlops)))
	if workers == 1 {
		w := pth.buffers()
		w.block(pth, p, 0, p.m, 0, p.n)
		pth.pool.Put(w)
		return
	}
	// Each worker packs its own blocks, so splitting along n repeats the packing of A in
	// every worker and splitting along m repeats that of B: repeat the smaller. Splits fall
	// on tile boundaries, so the tiles, and with them the results, are the same as on one
	// goroutine.
	mt, nt := ceilDiv(p.m, pth.mr), ceilDiv(p.n, pth.nr)
	splitN := nt >= workers && (p.m <= p.n || mt < workers)
	tiles, unit := mt, pth.mr
	if splitN {
		tiles, unit = nt, pth.nr
	}
	workers = min(workers, tiles)
	var wg sync.WaitGroup
	for i := range workers {
		lo, hi := tiles*i/workers*unit, tiles*(i+1)/workers*unit
		i0, i1, j0, j1 := lo, min(hi, p.m), 0, p.n
		if splitN {
			i0, i1, j0, j1 = 0, p.m, lo, min(hi, p.n)
		}
		work := func() {
			w := pth.buffers()
			w.block(pth, p, i0, i1, j0, j1)
			pth.pool.Put(w)
		}
		if i == workers-1 {
			work()
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			work()
		}()
	}
	wg.Wait()
}

// buffers are one worker's packed blocks of A and B and its scratch tile for the edges.
type buffers struct {
	a, b, tile []float32
}

// buffers takes a worker's buffers from the path's pool, so that steady-state calls do not
// allocate.
func (pth *path) buffers() *buffers {
	if w, ok := pth.pool.Get().(*buffers); ok {
		return w
	}
	return &buffers{
		a:    alignedFloats(roundUp(pth.mc, pth.mr) * pth.kc),
		b:    alignedFloats(pth.kc * roundUp(pth.nc, pth.nr)),
		tile: alignedFloats(pth.mr * pth.nr),
	}
}

// block computes rows [i0, i1) and columns [j0, j1) of C, looping over packed blocks in the
// Goto order: columns of B, then depth, then rows of A.
func (w *buffers) block(pth *path, p *problem, i0, i1, j0, j1 int) {
	for jc := j0; jc < j1; jc += pth.nc {
		nc := min(pth.nc, j1-jc)
		for pc := 0; pc < p.k; pc += pth.kc {
			kc := min(pth.kc, p.k-pc)
			beta := p.beta
			if pc > 0 {
				beta = 1
			}
			packB(pth, w.b, p, pc, kc, jc, nc)
			for ic := i0; ic < i1; ic += pth.mc {
				mc := min(pth.mc, i1-ic)
				packA(pth, w.a, p, ic, mc, pc, kc)
				w.macro(pth, p, ic, mc, jc, nc, kc, beta)
			}
		}
	}
}

// macro runs the micro-kernel over the packed mc×kc block of A and kc×nc block of B,
// updating C[ic:ic+mc, jc:jc+nc].
func (w *buffers) macro(pth *path, p *problem, ic, mc, jc, nc, kc int, beta float32) {
	mr, nr := pth.mr, pth.nr
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		bp := &w.b[jr*kc]
		for ir := 0; ir < mc; ir += mr {
			mrr := min(mr, mc-ir)
			ap := &w.a[ir*kc]
			ci := (ic+ir)*p.ldc + jc + jr
			if mrr == mr && nrr == nr {
				pth.kernel(kc, ap, mr, bp, nr, &p.c[ci], p.ldc, p.alpha, beta)
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
			pth.kernel(kc, ap, mr, bp, nr, &t[0], nr, p.alpha, beta)
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

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func roundUp(a, b int) int { return ceilDiv(a, b) * b }
