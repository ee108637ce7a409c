package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"
)

// batch is the DCGAN training batch size; the CPU backend's im2col runs over the whole
// batch, so it multiplies every GEMM's pixel dimension.
const batch = 64

// A convLayer is one Conv2d or ConvTranspose2d layer of a DCGAN model on square images.
type convLayer struct {
	name       string
	transposed bool
	in, out    int // channels
	kernel     int
	size       int // input height and width
	stride     int
	pad        int
}

// The layers of the two models, nz = 100, ngf = ndf = 64, nc = 1.
var models = []struct {
	name   string
	layers []convLayer
}{
	{"dcgan28", []convLayer{
		{"G1", true, 100, 256, 4, 1, 1, 0},
		{"G2", true, 256, 128, 3, 4, 2, 1},
		{"G3", true, 128, 64, 4, 7, 2, 1},
		{"G4", true, 64, 1, 4, 14, 2, 1},
		{"D1", false, 1, 64, 4, 28, 2, 1},
		{"D2", false, 64, 128, 4, 14, 2, 1},
		{"D3", false, 128, 256, 4, 7, 2, 1},
		{"D4", false, 256, 1, 3, 3, 1, 0},
	}},
	{"dcgan64", []convLayer{
		{"G1", true, 100, 512, 4, 1, 1, 0},
		{"G2", true, 512, 256, 4, 4, 2, 1},
		{"G3", true, 256, 128, 4, 8, 2, 1},
		{"G4", true, 128, 64, 4, 16, 2, 1},
		{"G5", true, 64, 1, 4, 32, 2, 1},
		{"D1", false, 1, 64, 4, 64, 2, 1},
		{"D2", false, 64, 128, 4, 32, 2, 1},
		{"D3", false, 128, 256, 4, 16, 2, 1},
		{"D4", false, 256, 512, 4, 8, 2, 1},
		{"D5", false, 512, 1, 4, 4, 1, 0},
	}},
}

// A gemmShape is one Sgemm call of a layer's forward or backward pass. beta is 1 for the
// weight gradients, which accumulate, and 0 otherwise.
type gemmShape struct {
	name           string
	transA, transB bool
	m, n, k        int
	beta           float32
}

func (s gemmShape) flops() float64 { return 2 * float64(s.m) * float64(s.n) * float64(s.k) }

// gemms lists a layer's three GEMMs, as the CPU backend forms them over the batch in
// channel-major layout (P output pixels per image):
//
//	Conv2d fwd            out (O × N·P)      = W (O × C·K·K) · col (C·K·K × N·P)      NN
//	Conv2d bwd data       dcol (C·K·K × N·P) = Wᵀ · dout (O × N·P)                    TN
//	Conv2d bwd weight     dW (O × C·K·K)    += dout (O × N·P) · colᵀ                  NT
//	ConvT fwd             col (Co·K·K × N·H·W) = Wᵀ · x (Ci × N·H·W)                 TN
//	ConvT bwd data        dx (Ci × N·H·W)    = W (Ci × Co·K·K) · col(dout)            NN
//	ConvT bwd weight      dW (Ci × Co·K·K)  += x (Ci × N·H·W) · col(dout)ᵀ           NT
func (l convLayer) gemms() []gemmShape {
	kk := l.kernel * l.kernel
	if l.transposed {
		cols := batch * l.size * l.size
		return []gemmShape{
			{l.name + "_fwd", true, false, l.out * kk, cols, l.in, 0},
			{l.name + "_bwdData", false, false, l.in, cols, l.out * kk, 0},
			{l.name + "_bwdWeight", false, true, l.in, l.out * kk, cols, 1},
		}
	}
	o := (l.size+2*l.pad-l.kernel)/l.stride + 1
	cols := batch * o * o
	return []gemmShape{
		{l.name + "_fwd", false, false, l.out, cols, l.in * kk, 0},
		{l.name + "_bwdData", true, false, l.in * kk, cols, l.out, 0},
		{l.name + "_bwdWeight", false, true, l.out, l.in * kk, cols, 1},
	}
}

func (s gemmShape) String() string {
	t := map[bool]string{false: "N", true: "T"}
	return fmt.Sprintf("%s_%s%s_%dx%dx%d", s.name, t[s.transA], t[s.transB], s.m, s.n, s.k)
}

// benchOperands holds random matrices big enough for every shape; shapes take prefixes.
type benchOperands struct{ a, b, c []float32 }

func newBenchOperands() *benchOperands {
	var na, nb, nc int
	for _, md := range models {
		for _, l := range md.layers {
			for _, s := range l.gemms() {
				na, nb, nc = max(na, s.m*s.k), max(nb, s.k*s.n), max(nc, s.m*s.n)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = rng.Float32() - 0.5
		}
		return s
	}
	return &benchOperands{fill(na), fill(nb), fill(nc)}
}

// call runs shape s on path pth with the backend's strides: every matrix dense.
func (o *benchOperands) call(pth *path, s gemmShape) {
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	p := problem{s.transA, s.transB, s.m, s.n, s.k, 1, o.a, lda, o.b, ldb, s.beta, o.c, s.n}
	run(pth, runtime.GOMAXPROCS(0), &p)
}

// BenchmarkSgemm reports GFLOP/s for every GEMM of the two models on every supported path,
// and per model a FLOP-weighted average: all of the model's GEMMs run back to back, total
// FLOPs over total time. Names read path/model/layer_pass_transposes_m×n×k, so that
//
//	go test -run '^$' -bench 'Sgemm/avx512/dcgan64/' -benchtime 20x ./gemm/
//
// measures one path on one model. The strides are dense, beta is 1 for weight gradients
// and 0 otherwise, and GOMAXPROCS goroutines share the work, as in the CPU backend.
func BenchmarkSgemm(b *testing.B) {
	ops := newBenchOperands()
	for _, pth := range supportedPaths() {
		for _, md := range models {
			var all []gemmShape
			for _, l := range md.layers {
				all = append(all, l.gemms()...)
			}
			for _, s := range all {
				b.Run(pth.name+"/"+md.name+"/"+s.String(), func(b *testing.B) {
					benchShapes(b, ops, pth, []gemmShape{s})
				})
			}
			b.Run(pth.name+"/"+md.name+"/all", func(b *testing.B) {
				benchShapes(b, ops, pth, all)
			})
		}
	}
}

func benchShapes(b *testing.B, ops *benchOperands, pth *path, shapes []gemmShape) {
	var flops float64
	for _, s := range shapes {
		flops += s.flops()
	}
	for _, s := range shapes {
		ops.call(pth, s) // warm the pools and the caches
	}
	best := time.Duration(math.MaxInt64)
	cpu0 := processCPU()
	for b.Loop() {
		t0 := time.Now()
		for _, s := range shapes {
			ops.call(pth, s)
		}
		best = min(best, time.Since(t0))
	}
	reportFlops(b, flops, best, processCPU()-cpu0)
}

// reportFlops reports GFLOP/s over all iterations, over the fastest one and per CPU-second
// used. On a machine shared with other work the first is what the code got and the second
// what it does when it has the cores. The third counts the time the pool's goroutines spend
// waiting actively between calls (up to 50 µs each time), so it understates how fast one
// core computes on short calls.
func reportFlops(b *testing.B, flops float64, best, cpu time.Duration) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops/best.Seconds()/1e9, "best-GFLOP/s")
	if cpu > 0 {
		b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/cpu-s")
	}
}

// outSize is the height and width of a layer's output.
func (l convLayer) outSize() int {
	if l.transposed {
		return (l.size-1)*l.stride - 2*l.pad + l.kernel
	}
	return (l.size+2*l.pad-l.kernel)/l.stride + 1
}

// TestModelTables checks the layer tables that the benchmarks derive their shapes from:
// each layer takes the previous one's channels and size, G ends at the image, D at one
// logit, and the shapes match the ones worked out by hand for one layer of each kind.
func TestModelTables(t *testing.T) {
	for _, md := range models {
		image := map[string]int{"dcgan28": 28, "dcgan64": 64}[md.name]
		var prev *convLayer
		for i := range md.layers {
			l := &md.layers[i]
			if prev != nil && l.name[0] == prev.name[0] && (l.in != prev.out || l.size != prev.outSize()) {
				t.Errorf("%s %s takes %d×%d² but %s gives %d×%d²", md.name, l.name, l.in, l.size, prev.name, prev.out, prev.outSize())
			}
			last := i+1 == len(md.layers) || md.layers[i+1].name[0] != l.name[0]
			if want := map[byte]int{'G': image, 'D': 1}[l.name[0]]; last && l.outSize() != want {
				t.Errorf("%s %s ends at %d², want %d²", md.name, l.name, l.outSize(), want)
			}
			prev = l
		}
	}
	want := map[string]string{
		"dcgan28/D2": "D2_fwd_NN_128x3136x1024 D2_bwdData_TN_1024x3136x128 D2_bwdWeight_NT_128x1024x3136",
		"dcgan64/G2": "G2_fwd_TN_4096x1024x512 G2_bwdData_NN_512x1024x4096 G2_bwdWeight_NT_512x4096x1024",
	}
	for _, md := range models {
		for _, l := range md.layers {
			w, ok := want[md.name+"/"+l.name]
			if !ok {
				continue
			}
			var got []string
			for _, s := range l.gemms() {
				got = append(got, s.String())
			}
			if g := strings.Join(got, " "); g != w {
				t.Errorf("%s %s GEMMs are %s, want %s", md.name, l.name, g, w)
			}
		}
	}
}
