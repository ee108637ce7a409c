//go:build cuda

package cuda

import "gogan/nn"

// BatchNormForward implements nn.Backend. The statistics are reduced per channel in double,
// as the CPU backend does, in two stages whose partition and order are fixed by the shape
// (see channelReduction).
func (b *Backend) BatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *nn.Tensor, p nn.BatchNormParams) {
	const op = "BatchNormForward"
	g, err := nn.CheckBatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd, p)
	must(err)
	n, c, s := g.N, g.C, g.S
	checkIndex(op, n*c*s)
	ss := b.work(3, 2*c) // scale (C), then shift (C)
	var red channelReduction
	if p.Training {
		red = b.channelReduction(n, c, s)
	}
	po, px, pw, pb := out.Device, x.Device, weight.Device, bias.Device
	pm, pv, psm, psi := runningMean.Device, runningVar.Device, saveMean.Device, saveInvStd.Device
	b.enqueue(op, func() error {
		var err error
		if p.Training {
			err = b.bnStats(red, px, pw, pb, psm, psi, pm, pv, ss, n, c, s, p)
		} else {
			err = b.bnEvalPrepF32(b.grid(c), pw, pb, pm, pv, ss, c, p.Eps)
		}
		if err != nil {
			return err
		}
		return b.bnApplyF32(b.grid(n*c*s), po, px, ss, n, c, s)
	})
}

// BatchNormBackward implements nn.Backend: with x̂ = (x−μ)·σ⁻¹ and M = N·S values per channel,
// dx = w·σ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)).
func (b *Backend) BatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *nn.Tensor) {
	const op = "BatchNormBackward"
	g, err := nn.CheckBatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd)
	must(err)
	n, c, s := g.N, g.C, g.S
	checkIndex(op, n*c*s)
	// Σdy and Σdy·x̂ per channel in double, 2C doubles in 4C float32s.
	coef := b.work(3, 4*c)
	red := b.channelReduction(n, c, s)
	pdx, pdw, pdb, pdo, px := dev(dx), dev(dweight), dev(dbias), dout.Device, x.Device
	pw, pm, pi := weight.Device, saveMean.Device, saveInvStd.Device
	b.enqueue(op, func() error {
		err := b.bnBackwardPartialsF32(c*red.parts, red.buf, pdo, px, pm, pi, n, c, s, red.parts)
		if err == nil {
			err = b.bnBackwardFinishF32(c, pdw, pdb, coef, red.buf, c, red.parts)
		}
		if err != nil || pdx == 0 {
			return err
		}
		return b.bnBackwardDxF32(b.grid(n*c*s), pdx, pdo, px, pw, pm, pi, coef, n, c, s)
	})
}

// bnStats computes the batch statistics of x (N, C, S) in two passes, each a two-stage
// reduction: the means, then the squared deviations from them, into red's partial sums,
// the means kept after them. It runs on the worker.
func (b *Backend) bnStats(red channelReduction, px, pw, pb, psm, psi, pm, pv, ss uintptr, n, c, s int, p nn.BatchNormParams) error {
	blocks, mean := c*red.parts, red.buf+uintptr(8*c*red.parts)
	if err := b.channelPartialsF32(blocks, red.buf, px, 0, n, c, s, red.parts); err != nil {
		return err
	}
	if err := b.bnMeanF32(c, mean, red.buf, c, red.parts, n*s); err != nil {
		return err
	}
	if err := b.channelPartialsF32(blocks, red.buf, px, mean, n, c, s, red.parts); err != nil {
		return err
	}
	return b.bnStatsFinishF32(c, mean, red.buf, pw, pb, psm, psi, pm, pv, ss, c, red.parts, n*s, p.Eps, p.Momentum)
}
