package cpu

import (
	"math"
	"unsafe"

	"gogan/nn"
)

// AdamStep implements nn.Backend with the arithmetic of PyTorch's Adam.
func (b *Backend) AdamStep(params, grads, m, v *nn.Tensor, p nn.AdamParams) {
	n := params.Len()
	for _, t := range []*nn.Tensor{grads, m, v} {
		checkLen("AdamStep", t, n)
	}
	bc1 := 1 - math.Pow(float64(p.Beta1), float64(p.Step))
	bc2 := 1 - math.Pow(float64(p.Beta2), float64(p.Step))
	t := &b.tasks.adam
	*t = adamTask{p: params.Host, g: grads.Host, m: m.Host, v: v.Host, wd: p.WeightDecay,
		k: adamConsts{b1: p.Beta1, omb1: 1 - p.Beta1, b2: p.Beta2, omb2: 1 - p.Beta2, eps: p.Eps,
			stepSize: float32(float64(p.LR) / bc1), bc2Sqrt: float32(math.Sqrt(bc2))}}
	parallelFor(t, n, elementGrain)
}

// adamConsts are the float32 constants of one Adam step, in the order adamAVX512 reads
// them: β1, 1−β1, β2, 1−β2, ε, the step size lr/(1−β1ᵗ) and √(1−β2ᵗ).
type adamConsts struct{ b1, omb1, b2, omb2, eps, stepSize, bc2Sqrt float32 }

// adamTask is one Adam update; a unit of work is an element.
type adamTask struct {
	p, g, m, v []float32
	wd         float32
	k          adamConsts
}

func (t *adamTask) Run(lo, hi int) {
	ps, gs, ms, vs := t.p[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi]
	gs, ms, vs = gs[:len(ps)], ms[:len(ps)], vs[:len(ps)]
	if useAVX512 && t.wd == 0 {
		adamAVX512(unsafe.SliceData(ps), unsafe.SliceData(gs), unsafe.SliceData(ms), unsafe.SliceData(vs), len(ps), &t.k)
		return
	}
	k, wd := t.k, t.wd
	for i, p := range ps {
		g := gs[i]
		if wd != 0 {
			g += wd * p
		}
		// The conversions keep the compiler from fusing multiply-adds, as the assembly
		// does not.
		m := float32(ms[i]*k.b1) + float32(k.omb1*g)
		v := float32(vs[i]*k.b2) + float32(k.omb2*g*g)
		ms[i], vs[i] = m, v
		// A float64 square root rounded to float32 is float32's correctly rounded one.
		denom := float32(math.Sqrt(float64(v)))/k.bc2Sqrt + k.eps
		ps[i] = p - k.stepSize*m/denom
	}
}

// EMAUpdate implements nn.Backend.
func (b *Backend) EMAUpdate(avg, x *nn.Tensor, decay float32) {
	n := avg.Len()
	checkLen("EMAUpdate", x, n)
	a, s := avg.Host[:n], x.Host[:n]
	w := 1 - decay
	for i, v := range s {
		a[i] += w * (v - a[i])
	}
}
