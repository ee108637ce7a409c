//go:build cuda

package cuda

import "gogan/nn"

// BatchNormForward implements nn.Backend. The statistics are reduced per channel in double,
// as the CPU backend does, by one block per channel in a fixed order.
func (b *Backend) BatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *nn.Tensor, p nn.BatchNormParams) {
	const op = "BatchNormForward"
	checkRank(op, "input", x, 3)
	n, c, s := x.Shape[0], x.Shape[1], x.Shape[2]
	checkShape(op, "output", out, n, c, s)
	for _, t := range []*nn.Tensor{weight, bias, runningMean, runningVar, saveMean, saveInvStd} {
		checkShape(op, "per-channel tensor", t, c)
	}
	checkIndex(op, n*c*s)
	if p.Training && n*s < 2 {
		panic("cuda: BatchNormForward in training needs more than one value per channel")
	}
	ss := b.work(3, 2*c) // scale (C), then shift (C)
	po, px, pw, pb := out.Device, x.Device, weight.Device, bias.Device
	pm, pv, psm, psi := runningMean.Device, runningVar.Device, saveMean.Device, saveInvStd.Device
	b.enqueue(op, func() error {
		var err error
		if p.Training {
			err = b.bnStatsF32(c, px, pw, pb, psm, psi, pm, pv, ss, n, c, s, p.Eps, p.Momentum)
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
	checkRank(op, "input", x, 3)
	n, c, s := x.Shape[0], x.Shape[1], x.Shape[2]
	checkShape(op, "dout", dout, n, c, s)
	if dx != nil {
		checkShape(op, "dx", dx, n, c, s)
	}
	for _, t := range []*nn.Tensor{dweight, dbias, weight, saveMean, saveInvStd} {
		if t != nil {
			checkShape(op, "per-channel tensor", t, c)
		}
	}
	checkIndex(op, n*c*s)
	// Σdy and Σdy·x̂ per channel in double, 2C doubles in 4C float32s.
	coef := b.work(3, 4*c)
	pdx, pdw, pdb, pdo, px := dev(dx), dev(dweight), dev(dbias), dout.Device, x.Device
	pw, pm, pi := weight.Device, saveMean.Device, saveInvStd.Device
	b.enqueue(op, func() error {
		err := b.bnBackwardReduceF32(c, pdo, px, pm, pi, pdw, pdb, coef, n, c, s)
		if err != nil || pdx == 0 {
			return err
		}
		return b.bnBackwardDxF32(b.grid(n*c*s), pdx, pdo, px, pw, pm, pi, coef, n, c, s)
	})
}
