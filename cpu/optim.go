package cpu

import (
	"math"

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
	*t = adamTask{p: params.Host, g: grads.Host, m: m.Host, v: v.Host,
		b1: p.Beta1, b2: p.Beta2, wd: p.WeightDecay, eps: p.Eps,
		stepSize: float32(float64(p.LR) / bc1), bc2Sqrt: float32(math.Sqrt(bc2))}
	parallelFor(t, n, elementGrain)
}

// adamTask is one Adam update; a unit of work is an element.
type adamTask struct {
	p, g, m, v        []float32
	b1, b2, wd, eps   float32
	stepSize, bc2Sqrt float32
}

func (t *adamTask) run(lo, hi int) {
	ps, gs, ms, vs := t.p[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi]
	gs, ms, vs = gs[:len(ps)], ms[:len(ps)], vs[:len(ps)]
	b1, b2, wd, eps, stepSize, bc2Sqrt := t.b1, t.b2, t.wd, t.eps, t.stepSize, t.bc2Sqrt
	for i, p := range ps {
		g := gs[i]
		if wd != 0 {
			g += wd * p
		}
		m := ms[i]*b1 + (1-b1)*g
		v := vs[i]*b2 + (1-b2)*g*g
		ms[i], vs[i] = m, v
		// A float64 square root rounded to float32 is float32's correctly rounded one.
		denom := float32(math.Sqrt(float64(v)))/bc2Sqrt + eps
		ps[i] = p - stepSize*m/denom
	}
}

// SGDStep implements nn.Backend with PyTorch's SGD (momentum without dampening).
func (b *Backend) SGDStep(params, grads, velocity *nn.Tensor, p nn.SGDParams) {
	n := params.Len()
	checkLen("SGDStep", grads, n)
	var vs []float32
	if velocity != nil {
		checkLen("SGDStep", velocity, n)
		vs = velocity.Host
	}
	t := &b.tasks.sgd
	*t = sgdTask{p: params.Host, g: grads.Host, v: vs, hp: p}
	parallelFor(t, n, elementGrain)
}

// sgdTask is one SGD update; a unit of work is an element.
type sgdTask struct {
	p, g, v []float32 // v is nil without a velocity buffer
	hp      nn.SGDParams
}

func (t *sgdTask) run(lo, hi int) {
	ps, gs := t.p[lo:hi], t.g[lo:hi]
	gs = gs[:len(ps)]
	hp := t.hp
	if t.v == nil || hp.Momentum == 0 {
		for i, p := range ps {
			ps[i] = p - hp.LR*(gs[i]+hp.WeightDecay*p)
		}
		return
	}
	vs := t.v[lo:hi][:len(ps)]
	for i, p := range ps {
		vs[i] = hp.Momentum*vs[i] + (gs[i] + hp.WeightDecay*p)
		ps[i] = p - hp.LR*vs[i]
	}
}
