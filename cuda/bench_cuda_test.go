//go:build cuda

package cuda

import (
	"fmt"
	"testing"

	"gogan/models"
	"gogan/nn"
)

// BenchmarkStep times full training steps of the DCGAN models at the sizes of the paper
// (nz 100, ngf = ndf = 64), run step by step and replayed from a captured graph, in GPU time
// measured with events.
func BenchmarkStep(bm *testing.B) {
	for _, arch := range []string{"dcgan28", "dcgan64"} {
		for _, batch := range []int{64, 128} {
			for _, graph := range []bool{false, true} {
				name := fmt.Sprintf("%s/batch%d/graph=%v", arch, batch, graph)
				bm.Run(name, func(bm *testing.B) { benchStep(bm, arch, batch, graph) })
			}
		}
	}
}

func benchStep(bm *testing.B, arch string, batch int, graph bool) {
	b := gpu(bm)
	c := stepCase{arch: arch, nc: 3, batch: batch}
	mc := models.Config{Arch: arch, NZ: 100, NGF: 64, NDF: 64, NC: 3}
	gan := buildGAN(bm, b, mc, batch, 1)
	z := b.New(batch, mc.NZ, 1, 1)
	defer b.Free(z)
	real := upload(bm, gan, c, 1, z)
	step := func() { gan.GeneratorStep(gan.DiscriminatorStep(real, z)) }
	step()
	run := step
	if graph {
		g, err := b.Capture(step)
		if err != nil {
			bm.Fatal(err)
		}
		defer g.Close()
		run = g.Launch
	}
	if err := b.Sync(); err != nil {
		bm.Fatal(err)
	}
	bm.ResetTimer()
	elapsed, err := b.Time(func() {
		for range bm.N {
			run()
		}
	})
	if err != nil {
		bm.Fatal(err)
	}
	bm.ReportMetric(float64(elapsed.Microseconds())/1000/float64(bm.N), "gpu-ms/step")
	bm.ReportMetric(float64(batch*bm.N)/elapsed.Seconds(), "images/s")
}

// BenchmarkGemm measures the row-major GEMM helper at the size of dcgan64's largest
// transposed convolution (Wᵀ·x with C 512, O·K·K 4096, N·H·W 2048).
func BenchmarkGemm(bm *testing.B) {
	b := gpu(bm)
	const m, n, k = 4096, 2048, 512
	a, x, c := b.New(k, m), b.New(k, n), b.New(m, n)
	defer b.Free(a)
	defer b.Free(x)
	defer b.Free(c)
	pa, px, pc := a.Device, x.Device, c.Device
	bm.ResetTimer()
	elapsed, err := b.Time(func() {
		for range bm.N {
			b.enqueue("gemm", func() error { return b.gemm(true, false, m, n, k, 1, pa, m, px, n, 0, pc, n) })
		}
	})
	if err != nil {
		bm.Fatal(err)
	}
	bm.ReportMetric(2*m*n*k*float64(bm.N)/elapsed.Seconds()/1e9, "GFLOP/s")
	bm.SetBytes(4 * (m*k + k*n + m*n))
}

var _ nn.Backend = (*Backend)(nil)
