//go:build cuda

package cuda

import (
	"fmt"

	"gorgonia.org/cu"

	"gogan/nn"
)

// adamSlot is an Adam step counter on the device, with the bias corrections derived from it:
// [step (int32 bits), lr/(1−β1^t), sqrt(1−β2^t)]. A captured graph advances the counter on
// the device at each replay, so the corrections stay right without the host; step mirrors
// the device's counter on the host, so that an AdamStep whose step does not follow it resets
// the counter first.
type adamSlot struct {
	p    uintptr
	step int
}

// AdamStep implements nn.Backend with the arithmetic of PyTorch's Adam, one kernel over the
// whole parameter arena.
func (b *Backend) AdamStep(params, grads, m, v *nn.Tensor, p nn.AdamParams) {
	n := params.Len()
	for _, t := range []*nn.Tensor{grads, m, v} {
		checkLen("AdamStep", t, n)
	}
	checkIndex("AdamStep", n)
	if p.Step < 1 {
		panic(fmt.Sprintf("cuda: AdamStep: step %d, want 1 or more", p.Step))
	}
	slot := b.adam[m.Device]
	if slot == nil {
		if b.capture != nil {
			b.failLater("AdamStep", errCaptureAlloc)
			return
		}
		slot = &adamSlot{p: b.alloc("AdamStep", 4), step: -1}
		b.adam[m.Device] = slot
	}
	reset := slot.step != p.Step-1
	if b.capture != nil {
		if reset {
			b.failLater("AdamStep", fmt.Errorf("step %d does not follow step %d: run Adam once before capturing it", p.Step, slot.step))
			return
		}
		b.capture.adam[slot]++
	}
	slot.step = p.Step
	pp, pg, pm, pv, ps := params.Device, grads.Device, m.Device, v.Device, slot.p
	b.enqueue("AdamStep", func() error {
		if reset {
			if err := cu.MemsetD32Async(cu.DevicePtr(ps), uint(uint32(p.Step-1)), 1, b.stream); err != nil {
				return driverError(err)
			}
		}
		if err := b.adamAdvanceF32(1, ps, p.LR, p.Beta1, p.Beta2); err != nil {
			return err
		}
		return b.adamF32(b.grid(n), pp, pg, pm, pv, ps, n, p.Beta1, p.Beta2, p.Eps, p.WeightDecay)
	})
}

// EMAUpdate implements nn.Backend.
func (b *Backend) EMAUpdate(avg, x *nn.Tensor, decay float32) {
	n := avg.Len()
	checkLen("EMAUpdate", x, n)
	checkIndex("EMAUpdate", n)
	pa, px, w := avg.Device, x.Device, 1-decay
	b.enqueue("EMAUpdate", func() error { return b.emaUpdateF32(b.grid(n), pa, px, n, w) })
}
