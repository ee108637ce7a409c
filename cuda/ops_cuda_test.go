//go:build cuda

package cuda

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gorgonia.org/cu"

	"gogan/cpu"
	"gogan/internal/nntest"
	"gogan/nn"
)

// Per-op parity with the CPU backend. Tolerances are NMSE: 1e-10 for ops whose only
// difference is the order of float32 sums inside a GEMM or a reduction (cuBLAS and the CPU
// block differently), 1e-12 for elementwise ops, where only the last bit of a libm function
// may differ. Parameter gradients start from random values, to check that they accumulate.

var convCases = []struct {
	n, c, h, o, k, s, p int
	bias                bool
}{
	{n: 3, c: 5, h: 9, o: 7, k: 4, s: 2, p: 1, bias: true}, // a DCGAN downsampling layer
	{n: 2, c: 4, h: 8, o: 3, k: 3, s: 1, p: 1},
	{n: 2, c: 6, h: 3, o: 1, k: 3, s: 1, p: 0, bias: true}, // dcgan28's last layer
	{n: 4, c: 3, h: 5, o: 2, k: 1, s: 1, p: 0},
	{n: 1, c: 2, h: 11, o: 5, k: 5, s: 3, p: 2},
	// Production sizes: dcgan64's first D layer at batch 32, dcgan28's second at batch 64.
	{n: 32, c: 3, h: 64, o: 64, k: 4, s: 2, p: 1},
	{n: 64, c: 64, h: 14, o: 128, k: 4, s: 2, p: 1},
	// A bias gradient over 36,864 elements per channel, which its reduction splits over 9
	// blocks per channel.
	{n: 9, c: 2, h: 64, o: 3, k: 3, s: 1, p: 1, bias: true},
}

func TestConv2DParity(t *testing.T) {
	for _, cc := range convCases {
		t.Run(fmt.Sprintf("N%d_C%d_H%d_O%d_K%d_S%d_P%d_bias%v", cc.n, cc.c, cc.h, cc.o, cc.k, cc.s, cc.p, cc.bias), func(t *testing.T) {
			p := nn.ConvParams{Kernel: cc.k, Stride: cc.s, Pad: cc.p}
			ho := p.ConvOut(cc.h)
			nntest.Parity(t, 1e-10, cpu.New(), gpu(t), func(r *nntest.Rig) {
				x, w := r.Randn(cc.n, cc.c, cc.h, cc.h), r.Randn(cc.o, cc.c, cc.k, cc.k)
				var bias, db *nn.Tensor
				if cc.bias {
					bias, db = r.Randn(cc.o), r.Randn(cc.o)
					r.Out("db", db)
				}
				out, dout := r.Zeros(cc.n, cc.o, ho, ho), r.Randn(cc.n, cc.o, ho, ho)
				dx, dw := r.Randn(cc.n, cc.c, cc.h, cc.h), r.Randn(cc.o, cc.c, cc.k, cc.k)
				r.B.Conv2DForward(out, x, w, bias, p)
				r.B.Conv2DBackward(dx, dw, db, dout, x, w, p)
				r.Out("out", out)
				r.Out("dx", dx)
				r.Out("dw", dw)
				// Without dx, the parameter gradients accumulate a second time.
				r.B.Conv2DBackward(nil, dw, db, dout, x, w, p)
			})
		})
	}
}

func TestConvTranspose2DParity(t *testing.T) {
	cases := []struct {
		n, c, h, o, k, s, p, op int
		bias                    bool
	}{
		{n: 3, c: 6, h: 4, o: 5, k: 4, s: 2, p: 1, bias: true}, // a DCGAN upsampling layer
		{n: 2, c: 8, h: 1, o: 4, k: 4, s: 1, p: 0},             // the first layer, from z
		{n: 2, c: 5, h: 4, o: 3, k: 3, s: 2, p: 1},             // dcgan28's 4×4 → 7×7
		{n: 2, c: 3, h: 5, o: 2, k: 3, s: 2, p: 1, op: 1, bias: true},
		{n: 1, c: 4, h: 6, o: 3, k: 5, s: 3, p: 2, op: 2},
		// Production sizes: a first layer from nz 100 at batch 64, dcgan64's 16×16 → 32×32.
		{n: 64, c: 100, h: 1, o: 256, k: 4, s: 1, p: 0},
		{n: 32, c: 128, h: 16, o: 64, k: 4, s: 2, p: 1},
	}
	for _, cc := range cases {
		t.Run(fmt.Sprintf("N%d_C%d_H%d_O%d_K%d_S%d_P%d_OP%d_bias%v", cc.n, cc.c, cc.h, cc.o, cc.k, cc.s, cc.p, cc.op, cc.bias), func(t *testing.T) {
			p := nn.ConvParams{Kernel: cc.k, Stride: cc.s, Pad: cc.p, OutputPad: cc.op}
			ho := p.ConvTransposeOut(cc.h)
			nntest.Parity(t, 1e-10, cpu.New(), gpu(t), func(r *nntest.Rig) {
				x, w := r.Randn(cc.n, cc.c, cc.h, cc.h), r.Randn(cc.c, cc.o, cc.k, cc.k)
				var bias, db *nn.Tensor
				if cc.bias {
					bias, db = r.Randn(cc.o), r.Randn(cc.o)
					r.Out("db", db)
				}
				out, dout := r.Zeros(cc.n, cc.o, ho, ho), r.Randn(cc.n, cc.o, ho, ho)
				dx, dw := r.Randn(cc.n, cc.c, cc.h, cc.h), r.Randn(cc.c, cc.o, cc.k, cc.k)
				r.B.ConvTranspose2DForward(out, x, w, bias, p)
				r.B.ConvTranspose2DBackward(dx, dw, db, dout, x, w, p)
				r.B.ConvTranspose2DBackward(nil, dw, db, dout, x, w, p)
				r.Out("out", out)
				r.Out("dx", dx)
				r.Out("dw", dw)
			})
		})
	}
}

func TestLinearParity(t *testing.T) {
	for _, bias := range []bool{false, true} {
		t.Run(fmt.Sprintf("bias%v", bias), func(t *testing.T) {
			nntest.Parity(t, 1e-10, cpu.New(), gpu(t), func(r *nntest.Rig) {
				const n, in, o = 7, 15, 33
				x, w := r.Randn(n, in), r.Randn(o, in)
				var b, db *nn.Tensor
				if bias {
					b, db = r.Randn(o), r.Randn(o)
					r.Out("db", db)
				}
				out, dout, dx, dw := r.Zeros(n, o), r.Randn(n, o), r.Randn(n, in), r.Randn(o, in)
				r.B.LinearForward(out, x, w, b)
				r.B.LinearBackward(dx, dw, db, dout, x, w)
				r.B.LinearBackward(nil, dw, db, dout, x, w)
				r.Out("out", out)
				r.Out("dx", dx)
				r.Out("dw", dw)
			})
		})
	}
}

func TestBatchNormParity(t *testing.T) {
	// {64, 128, 49} and {32, 64, 1024} are production sizes, where a block loops many times
	// over a channel. The statistics split a channel of more than 4096 elements over up to
	// 64 blocks: {5, 2, 1639} gives 3 parts, the last one shorter, {257, 2, 1021} the most.
	for _, sh := range [][3]int{{4, 3, 25}, {16, 5, 1}, {32, 8, 300}, {2, 2, 1}, {64, 128, 49}, {32, 64, 1024},
		{5, 2, 1639}, {257, 2, 1021}} {
		n, c, s := sh[0], sh[1], sh[2]
		// With two values per channel dx is zero up to ε in exact arithmetic: the CPU backend
		// sums its three float32 terms, each about 10³ times dx, so its dx is good to about
		// 1e-4 relative there, while the kernel works in double.
		tol := 1e-10
		if n*s == 2 {
			tol = 1e-7
		}
		t.Run(fmt.Sprintf("N%d_C%d_S%d", n, c, s), func(t *testing.T) {
			nntest.Parity(t, tol, cpu.New(), gpu(t), func(r *nntest.Rig) {
				p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
				// An offset and scale far from 0 and 1 test the statistics, not just the map.
				x := r.Uniform(-3, 7, n, c, s)
				w, b := r.Uniform(0.5, 1.5, c), r.Randn(c)
				rm, rv := r.Randn(c), r.Uniform(0.5, 2, c)
				sm, si := r.Zeros(c), r.Zeros(c)
				out, dout, dx := r.Zeros(n, c, s), r.Randn(n, c, s), r.Randn(n, c, s)
				dw, db := r.Randn(c), r.Randn(c)
				r.B.BatchNormForward(out, x, w, b, rm, rv, sm, si, p)
				r.B.BatchNormBackward(dx, dw, db, dout, x, w, sm, si)
				r.B.BatchNormBackward(nil, dw, db, dout, x, w, sm, si)
				eval := r.Zeros(n, c, s)
				p.Training = false
				r.B.BatchNormForward(eval, x, w, b, rm, rv, sm, si, p)
				for _, o := range []struct {
					name string
					t    *nn.Tensor
				}{{"out", out}, {"save_mean", sm}, {"save_inv_std", si}, {"running_mean", rm},
					{"running_var", rv}, {"dx", dx}, {"dweight", dw}, {"dbias", db}, {"eval_out", eval}} {
					r.Out(o.name, o.t)
				}
			})
		})
	}
}

func TestActivationParity(t *testing.T) {
	for _, a := range []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.LeakyReLU, Slope: 0.2}, {Kind: nn.Tanh}, {Kind: nn.Sigmoid}} {
		t.Run(a.String(), func(t *testing.T) {
			nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
				x := r.Uniform(-6, 6, 3, 1000)
				out, dout, dx := r.Zeros(3, 1000), r.Randn(3, 1000), r.Zeros(3, 1000)
				r.B.ActivationForward(out, x, a)
				r.B.ActivationBackward(dx, dout, x, out, a)
				r.B.ActivationBackward(nil, dout, x, out, a)
				r.Out("out", out)
				r.Out("dx", dx)
			})
		})
	}
}

// TestGridStrideLoopsRunMoreThanOnce covers tensors larger than the largest grid the
// launchers make (maxBlocks blocks of threads), so that every thread goes round its
// grid-stride loop more than once: an elementwise op, the BatchNorm map and a per-channel
// reduction.
func TestGridStrideLoopsRunMoreThanOnce(t *testing.T) {
	n := 2*gpu(t).maxBlocks*threads + 37
	t.Logf("%d elements, %d blocks of %d threads at most", n, gpu(t).maxBlocks, threads)
	for _, a := range []nn.Activation{{Kind: nn.ReLU}, {Kind: nn.Tanh}} {
		t.Run(a.String(), func(t *testing.T) {
			nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
				x, dout := r.Uniform(-3, 3, n), r.Randn(n)
				out, dx := r.Zeros(n), r.Zeros(n)
				r.B.ActivationForward(out, x, a)
				r.B.ActivationBackward(dx, dout, x, out, a)
				r.Out("out", out)
				r.Out("dx", dx)
			})
		})
	}
	t.Run("BatchNorm", func(t *testing.T) {
		const c = 3
		s := n/c/2 + 1
		nntest.Parity(t, 1e-10, cpu.New(), gpu(t), func(r *nntest.Rig) {
			p := nn.BatchNormParams{Training: true, Momentum: 0.1, Eps: 1e-5}
			x, w, b := r.Uniform(-3, 7, 2, c, s), r.Uniform(0.5, 1.5, c), r.Randn(c)
			rm, rv, sm, si := r.Zeros(c), r.Uniform(0.5, 2, c), r.Zeros(c), r.Zeros(c)
			out := r.Zeros(2, c, s)
			r.B.BatchNormForward(out, x, w, b, rm, rv, sm, si, p)
			r.Out("out", out)
			r.Out("save_mean", sm)
			r.Out("save_inv_std", si)
		})
	})
}

// TestReLUKeepsNaN checks that a NaN passes through ReLU, as on the CPU and in PyTorch, so
// that a diverging run is caught by its loss, and that −0 becomes +0, as Go's max gives.
func TestReLUKeepsNaN(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	in := []float32{nan, -1, float32(math.Copysign(0, -1)), 2, inf, -inf}
	want := []float32{nan, 0, 0, 2, inf, 0}
	for _, b := range backends(t) {
		x, out := b.New(len(in)), b.New(len(in))
		b.Upload(x, in)
		b.ActivationForward(out, x, nn.Activation{Kind: nn.ReLU})
		got := host(b, out)
		b.Free(x)
		b.Free(out)
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(want[i] != want[i] && got[i] != got[i]) {
				t.Errorf("%s: ReLU(%g) = %g, want %g", b.Name(), in[i], got[i], want[i])
			}
		}
	}
}

func TestLogitLossParity(t *testing.T) {
	for term := nn.TermSoftplusNeg; term <= nn.TermIdentity; term++ {
		for _, n := range []int{1, 64, 1000} {
			t.Run(fmt.Sprintf("term%d_N%d", term, n), func(t *testing.T) {
				nntest.Parity(t, 1e-12, cpu.New(), gpu(t), func(r *nntest.Rig) {
					// Logits up to ±30 test the stable forms of the softplus terms.
					logits := r.Uniform(-30, 30, n, 1)
					stats, dl := r.Zeros(3), r.Zeros(n, 1)
					r.B.LogitLoss(stats, dl, logits, term, 0.5)
					noGrad := r.Zeros(3)
					r.B.LogitLoss(noGrad, nil, logits, term, 1)
					r.Out("stats", stats)
					r.Out("dlogits", dl)
					r.Out("stats_without_gradient", noGrad)
				})
			})
		}
	}
}

func TestOptimizerParity(t *testing.T) {
	for _, wd := range []float32{0, 0.01} {
		t.Run(fmt.Sprintf("adam_wd%g", wd), func(t *testing.T) {
			nntest.Parity(t, 1e-10, cpu.New(), gpu(t), func(r *nntest.Rig) {
				const n = 10007
				p, m, v := r.Randn(n), r.Zeros(n), r.Zeros(n)
				for step := 1; step <= 3; step++ {
					g := r.Randn(n)
					r.B.AdamStep(p, g, m, v, nn.AdamParams{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd, Step: step})
				}
				// A step count that jumps, as after resuming, resets the device counter.
				r.B.AdamStep(p, r.Randn(n), m, v, nn.AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: wd, Step: 1000})
				r.Out("params", p)
				r.Out("m", m)
				r.Out("v", v)
			})
		})
	}
	t.Run("clamp", func(t *testing.T) {
		nntest.Parity(t, 0, cpu.New(), gpu(t), func(r *nntest.Rig) {
			x := r.Randn(3000)
			r.B.Clamp(x, -0.01, 0.02)
			r.Out("clamped", x)
		})
	})
}

// TestMemoryParity covers the copies: views that start inside an allocation, Fill, Copy, and
// New's zeros.
func TestMemoryParity(t *testing.T) {
	nntest.Parity(t, 0, cpu.New(), gpu(t), func(r *nntest.Rig) {
		a := r.Randn(10, 7)
		view := a.View(13, 4, 5)
		r.B.Fill(view, 2.5)
		b := r.Zeros(20)
		r.B.Copy(b.View(3, 9), a.View(40, 9))
		// Overlapping views of one buffer, both ways: as if through a temporary.
		c := r.Randn(100)
		r.B.Copy(c.View(10, 50), c.View(0, 50))
		r.B.Copy(c.View(50, 40), c.View(60, 40))
		r.Out("overlapping_copies", c)
		host := []float32{1, 2, 3}
		r.B.Upload(a.View(66, 3), host)
		r.Out("filled_view", a)
		r.Out("copied_view", b)
		r.Out("new_zeros", r.Zeros(3, 3))
	})
}

// TestGridStrideNear2to31 runs an elementwise kernel over 2³¹−1 elements, the most the
// kernels index, where a 32-bit loop counter would wrap to a negative index in the last
// stride and write outside the tensor. It needs 16 GiB of device memory.
func TestGridStrideNear2to31(t *testing.T) {
	b := gpu(t)
	if strings.Contains(strings.ToLower(b.desc), "emulated") {
		t.Skip("16 GiB of tensors is more than the emulated device is for")
	}
	var free int64
	b.w.call(func() { free, _, _ = cu.MemInfo() })
	const n = math.MaxInt32
	if free < 2*4*n+(1<<30) {
		t.Skipf("needs 17 GiB of free device memory, %d MiB are free", free>>20)
	}
	x, out := b.New(n), b.New(n)
	defer b.Free(x)
	defer b.Free(out)
	b.Fill(x, -1)
	b.Fill(out, 5)
	b.ActivationForward(out, x, nn.Activation{Kind: nn.ReLU})
	if err := b.Sync(); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{0, n/2 - 3, n - 1<<20} {
		got := host(b, out.View(at, min(1<<20, n-at)))
		for i, v := range got {
			if v != 0 {
				t.Fatalf("ReLU(−1) at %d is %g, want 0", at+i, v)
			}
		}
	}
}
