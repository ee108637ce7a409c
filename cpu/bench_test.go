//go:build unix

package cpu

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"gogan/nn"
)

// The benchmarks report cpu-ms/op next to the wall time: on a machine that other processes
// share, the CPU time an op takes on all threads varies much less than its wall time.

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Timed lets the external benchmarks (speed_test.go) report CPU time too.
var Timed = timed

// timed runs fn b.N times and reports ms/op and cpu-ms/op.
func timed(b *testing.B, fn func()) {
	b.ReportAllocs()
	start := cpuTime()
	b.ResetTimer()
	for range b.N {
		fn()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()*1e3/n, "ms/op")
	b.ReportMetric((cpuTime()-start).Seconds()*1e3/n, "cpu-ms/op")
}

// layer is one convolution of the models at batch 64: the geometry of its image.
type layer struct {
	name       string
	transposed bool
	c, o       int // input and output channels
	size       int // input height and width
	p          nn.ConvParams
}

var layers = []layer{
	{"dcgan28/G2", true, 256, 128, 4, nn.ConvParams{Kernel: 3, Stride: 2, Pad: 1}},
	{"dcgan28/G3", true, 128, 64, 7, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan28/D2", false, 64, 128, 14, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan28/D3", false, 128, 256, 7, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan28/D4", false, 256, 1, 3, nn.ConvParams{Kernel: 3, Stride: 1, Pad: 0}},
	{"dcgan64/G2", true, 512, 256, 4, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/G4", true, 128, 64, 16, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/G5", true, 64, 1, 32, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/D1", false, 1, 64, 64, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/D2", false, 64, 128, 32, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/D4", false, 256, 512, 8, nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
	{"dcgan64/D5", false, 512, 1, 4, nn.ConvParams{Kernel: 4, Stride: 1, Pad: 0}},
}

const benchBatch = 64

// geometry is the layer's im2col geometry at batch 64.
func (l layer) geometry() geometry {
	p := l.p
	if l.transposed {
		out := p.ConvTransposeOut(l.size)
		return geometry{N: benchBatch, C: l.o, H: out, W: out, OH: l.size, OW: l.size, K: p.Kernel, S: p.Stride, P: p.Pad}
	}
	out := p.ConvOut(l.size)
	return geometry{N: benchBatch, C: l.c, H: l.size, W: l.size, OH: out, OW: out, K: p.Kernel, S: p.Stride, P: p.Pad}
}

func randTensor(b *Backend, rng *rand.Rand, shape ...int) *nn.Tensor {
	t := b.New(shape...)
	for i := range t.Host {
		t.Host[i] = float32(rng.NormFloat64())
	}
	return t
}

// BenchmarkIm2col and BenchmarkCol2im time the column kernels over a whole batch; the
// GB/s count the column matrix once.
func BenchmarkIm2col(b *testing.B) {
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			be, g := New(), l.geometry()
			img := make([]float32, g.N*g.C*g.H*g.W)
			col := make([]float32, g.rows()*g.cols())
			b.SetBytes(int64(4 * len(col)))
			timed(b, func() { be.im2col(col, img, g, g.N, g.cols()) })
		})
	}
}

func BenchmarkCol2im(b *testing.B) {
	for _, l := range layers {
		b.Run(l.name, func(b *testing.B) {
			be, g := New(), l.geometry()
			img := make([]float32, g.N*g.C*g.H*g.W)
			col := make([]float32, g.rows()*g.cols())
			b.SetBytes(int64(4 * len(col)))
			timed(b, func() { be.col2im(img, col, g, g.N, g.cols()) })
		})
	}
}

// BenchmarkConv times each layer's forward and backward pass, GEMMs included.
func BenchmarkConv(b *testing.B) {
	for _, l := range layers {
		be, rng := New(), rand.New(rand.NewPCG(1, 1))
		var x, w, out *nn.Tensor
		k := l.p.Kernel
		if l.transposed {
			o := l.p.ConvTransposeOut(l.size)
			x, w, out = randTensor(be, rng, benchBatch, l.c, l.size, l.size), randTensor(be, rng, l.c, l.o, k, k), be.New(benchBatch, l.o, o, o)
		} else {
			o := l.p.ConvOut(l.size)
			x, w, out = randTensor(be, rng, benchBatch, l.c, l.size, l.size), randTensor(be, rng, l.o, l.c, k, k), be.New(benchBatch, l.o, o, o)
		}
		dx, dw, dout := be.New(x.Shape...), be.New(w.Shape...), randTensor(be, rng, out.Shape...)
		b.Run(l.name+"/forward", func(b *testing.B) {
			if l.transposed {
				timed(b, func() { be.ConvTranspose2DForward(out, x, w, nil, l.p) })
			} else {
				timed(b, func() { be.Conv2DForward(out, x, w, nil, l.p) })
			}
		})
		b.Run(l.name+"/backward", func(b *testing.B) {
			if l.transposed {
				timed(b, func() { be.ConvTranspose2DBackward(dx, dw, nil, dout, x, w, l.p) })
			} else {
				timed(b, func() { be.Conv2DBackward(dx, dw, nil, dout, x, w, l.p) })
			}
		})
	}
}

// BenchmarkActivation times the activations on dcgan64's largest activation, (64, 64, 32, 32).
func BenchmarkActivation(b *testing.B) {
	be, rng := New(), rand.New(rand.NewPCG(1, 3))
	x := randTensor(be, rng, benchBatch, 64, 32, 32)
	y, dy, dx := be.New(x.Shape...), randTensor(be, rng, x.Shape...), be.New(x.Shape...)
	for _, a := range []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.Tanh}} {
		b.Run(a.String()+"/forward", func(b *testing.B) {
			b.SetBytes(int64(8 * x.Len()))
			timed(b, func() { be.ActivationForward(y, x, a) })
		})
		b.Run(a.String()+"/backward", func(b *testing.B) {
			b.SetBytes(int64(12 * x.Len()))
			timed(b, func() { be.ActivationBackward(dx, dy, x, y, a) })
		})
	}
}

// BenchmarkBatchNorm times BatchNorm2d in training on the models' shapes (N, C, H·W).
func BenchmarkBatchNorm(b *testing.B) {
	for _, sh := range [][3]int{{64, 256, 9}, {64, 128, 49}, {64, 64, 196}, {64, 512, 16}, {64, 128, 256}, {64, 64, 1024}} {
		be, rng := New(), rand.New(rand.NewPCG(1, 4))
		n, c, s := sh[0], sh[1], sh[2]
		x, out, dx, dy := randTensor(be, rng, n, c, s), be.New(n, c, s), be.New(n, c, s), randTensor(be, rng, n, c, s)
		per := func() *nn.Tensor { return randTensor(be, rng, c) }
		w, bias, rm, rv, sm, si, dw, db := per(), per(), per(), per(), per(), per(), per(), per()
		for i := range rv.Host {
			rv.Host[i] = 1
		}
		p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
		name := fmt.Sprintf("%dx%dx%d", n, c, s)
		b.Run(name+"/forward", func(b *testing.B) {
			b.SetBytes(int64(8 * x.Len()))
			timed(b, func() { be.BatchNormForward(out, x, w, bias, rm, rv, sm, si, p) })
		})
		b.Run(name+"/backward", func(b *testing.B) {
			b.SetBytes(int64(12 * x.Len()))
			timed(b, func() { be.BatchNormBackward(dx, dw, db, dy, x, w, sm, si) })
		})
	}
}

// BenchmarkAdamStep times one Adam update of dcgan64's generator, 3.6M parameters.
func BenchmarkAdamStep(b *testing.B) {
	be, rng := New(), rand.New(rand.NewPCG(1, 5))
	const n = 3_576_704
	params, grads, m, v := randTensor(be, rng, n), randTensor(be, rng, n), be.New(n), be.New(n)
	p := nn.AdamParams{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8}
	b.SetBytes(28 * n)
	step := 0
	timed(b, func() {
		step++
		p.Step = step
		be.AdamStep(params, grads, m, v, p)
	})
}
