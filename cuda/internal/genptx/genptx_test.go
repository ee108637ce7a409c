package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedSourcesAreCurrent fails when a committed generated file differs from what
// the kernels' signatures, nn's constants and the driver symbol list give now.
func TestGeneratedSourcesAreCurrent(t *testing.T) {
	files, err := sources(filepath.Join("..", "..", "kernels"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("only %d generated files", len(files))
	}
	for path, want := range files {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%s: %v: run go run ./cuda/internal/genptx -dir cuda/kernels -sources", path, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go run ./cuda/internal/genptx -dir cuda/kernels -sources and commit it", path)
		}
	}
}

func TestParseKernels(t *testing.T) {
	ks, err := parseKernels("m", `// extern "C" __global__ void commented_out(int n) {}
extern "C" __global__ void scale_f32(float* __restrict__ out,
                                     const float* __restrict__ x, int n, // the length
                                     float s, double d, unsigned u) {}
__device__ void helper(int) {}
extern "C" __global__ void none() {}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(ks) != 2 || ks[0].name != "scale_f32" || ks[1].name != "none" || len(ks[1].params) != 0 {
		t.Fatalf("kernels = %+v", ks)
	}
	var got []string
	for _, p := range ks[0].params {
		got = append(got, p.ctype+" "+p.name)
	}
	want := "float* out, const float* x, int n, float s, double d, unsigned u"
	if strings.Join(got, ", ") != want {
		t.Errorf("params = %q, want %q", strings.Join(got, ", "), want)
	}
	if _, err := parseKernels("m", `extern "C" __global__ void f(short n) {}`); err == nil || !strings.Contains(err.Error(), "short") {
		t.Errorf("a short parameter gave %v, want an error naming the type", err)
	}
	if _, err := parseKernels("m", `__global__ void f(int n) {}`); err == nil {
		t.Error("a file without extern \"C\" kernels gave no error")
	}
}

func TestLaunchersCompileTheSignature(t *testing.T) {
	ks, err := parseKernels("m", `extern "C" __global__ void scale_f32(float* out, int n, float s, double d) {}`)
	if err != nil {
		t.Fatal(err)
	}
	src, err := goLaunchers(ks, "m.cu")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"func (b *Backend) scaleF32(blocks int, out uintptr, n int, s float32, d float64) error {",
		"b.argv[1] = intArg(n)", "b.argv[2] = f32Arg(s)", "b.argv[3] = math.Float64bits(d)",
		"return b.launch(kScaleF32, blocks, 4)", "const maxArgs = 4",
	} {
		if !bytes.Contains(src, []byte(want)) {
			t.Errorf("launcher source lacks %q:\n%s", want, src)
		}
	}
	table := emuTable(ks, "m.cu")
	for _, want := range []string{
		`{"scale_f32", "m", run_scale_f32, 4, scale_f32_params}`,
		`{"out", "float*", GOGAN_EMU_POINTER, sizeof(float*)}`,
		`*static_cast<double const*>(p[3])`,
	} {
		if !bytes.Contains(table, []byte(want)) {
			t.Errorf("table source lacks %q:\n%s", want, table)
		}
	}
}

func TestEnumHeaderFollowsNN(t *testing.T) {
	h, err := enumHeader(filepath.Join("..", "..", "..", "nn"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nn_ReLU = 0,", "nn_Sigmoid = 3,", "nn_TermSoftplusNeg = 0,", "nn_TermIdentity = 8,"} {
		if !bytes.Contains(h, []byte(want)) {
			t.Errorf("header lacks %q:\n%s", want, h)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.go"), []byte("package nn\ntype ActivationKind int\nconst (\n\tReLU ActivationKind = 3\n)\n"), 0o644)
	if _, err := enumHeader(dir); err == nil {
		t.Error("a constant not declared with iota gave no error")
	}
}
