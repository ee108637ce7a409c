package onnx

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The tests here hand the exported models to outside tools: the ONNX checker from Debian's
// python3-onnx, and ONNX Runtime from npm's onnxruntime-node, installed beforehand by
// scripts/install-onnxruntime-node.sh (CI runs it). Each skips, saying what is missing, where
// its tool is absent; none downloads anything, and each tool runs under a timeout.

// toolTimeout bounds one run of an outside tool: loading ONNX Runtime and running a tiny
// generator takes about a second.
const toolTimeout = 2 * time.Minute

// maxORTError is the largest difference allowed between ONNX Runtime's images and gogan's:
// both compute in float32, summing in different orders.
const maxORTError = 1e-5

func runTool(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s %v: no answer in %v", name, args, toolTimeout)
	}
	return out, err
}

// pythonWithONNX returns a Python that imports onnx ($GOGAN_PYTHON, by default Debian's), or
// skips the test.
func pythonWithONNX(t *testing.T) string {
	t.Helper()
	py := os.Getenv("GOGAN_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if _, err := exec.LookPath(py); err != nil {
		t.Skipf("no %s to run the ONNX checker (set GOGAN_PYTHON)", py)
	}
	if out, err := runTool(t, py, "-c", "import onnx"); err != nil {
		t.Skipf("%s cannot import onnx (apt-get install python3-onnx): %s", py, firstLine(out))
	}
	return py
}

func TestCheckerAcceptsModel(t *testing.T) {
	py := pythonWithONNX(t)
	const check = "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)"
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeModel(t, testGenerator(t, tc.cfg, 1), tc.cfg)
			if out, err := runTool(t, py, "-c", check, path); err != nil {
				t.Errorf("onnx.checker.check_model(full_check=True): %v\n%s", err, out)
			}
		})
	}
}

// ortPackage returns the onnxruntime-node package folder ($GOGAN_ORT_NODE_DIR, by default
// the user cache's gogan/onnxruntime-node, where the install script puts it), or skips.
func ortPackage(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("no node to run ONNX Runtime (apt-get install nodejs)")
	}
	dir := os.Getenv("GOGAN_ORT_NODE_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Skipf("no cache folder for onnxruntime-node: %v", err)
		}
		dir = filepath.Join(cache, "gogan", "onnxruntime-node")
	}
	pkg := filepath.Join(dir, "node_modules", "onnxruntime-node")
	if _, err := os.Stat(filepath.Join(pkg, "package.json")); err != nil {
		t.Skipf("onnxruntime-node is not installed in %s (run scripts/install-onnxruntime-node.sh)", dir)
	}
	return pkg
}

// TestONNXRuntimeMatchesGogan runs each exported generator with ONNX Runtime on the same
// latents and classes as gogan and compares the images.
func TestONNXRuntimeMatchesGogan(t *testing.T) {
	pkg := ortPackage(t)
	script, err := filepath.Abs(filepath.Join("testdata", "run_ort.js"))
	if err != nil {
		t.Fatal(err)
	}
	const n = 5
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			g := testGenerator(t, tc.cfg, 2)
			z, classes := testInputs(tc.cfg, n, 3)
			want := gogansImages(t, g, tc.cfg, z, classes)
			dir := t.TempDir()
			zFile, classFile, outFile := filepath.Join(dir, "z.bin"), "-", filepath.Join(dir, "image.bin")
			writeLE(t, zFile, z)
			if classes != nil {
				classFile = filepath.Join(dir, "class.bin")
				wide := make([]int64, len(classes))
				for i, c := range classes {
					wide[i] = int64(c)
				}
				writeLE(t, classFile, wide)
			}
			model := writeModel(t, g, tc.cfg)
			out, err := runTool(t, "node", script, pkg, model, strconv.Itoa(n), strconv.Itoa(tc.cfg.NZ), zFile, classFile, outFile)
			if err != nil {
				t.Fatalf("ONNX Runtime: %v\n%s", err, out)
			}
			var gotDims []int
			if err := json.Unmarshal(out, &gotDims); err != nil {
				t.Fatalf("ONNX Runtime's answer %q: %v", out, err)
			}
			s := tc.cfg.ImageSize()
			if wantDims := []int{n, tc.cfg.NC, s, s}; !slices.Equal(gotDims, wantDims) {
				t.Fatalf("ONNX Runtime's image is %v, want %v", gotDims, wantDims)
			}
			checkSpread(t, want)
			got := readFloats(t, outFile)
			worst, at := maxAbsDiff(got, want)
			t.Logf("max abs error of ONNX Runtime against gogan: %.3g (at %d of %d values)", worst, at, len(want))
			if worst > maxORTError {
				t.Errorf("ONNX Runtime differs from gogan by %.3g at %d (%g against %g), more than %g", worst, at, got[at], want[at], maxORTError)
			}
		})
	}
}

// checkSpread makes sure that the images exercise tanh's whole range, neither flat near 0
// (where every error is small) nor saturated at ±1 (where errors before tanh vanish).
func checkSpread(t *testing.T, images []float32) {
	t.Helper()
	mid := 0
	for _, v := range images {
		if math.Abs(float64(v)) < 0.9 {
			mid++
		}
	}
	if lo, hi := slices.Min(images), slices.Max(images); hi-lo < 1 || mid < len(images)/4 {
		t.Fatalf("gogan's images span [%g, %g] with %d of %d values within ±0.9: too flat or too saturated for the comparison to mean much", lo, hi, mid, len(images))
	}
}

func writeLE(t *testing.T, path string, values any) {
	t.Helper()
	data, err := binary.Append(nil, binary.LittleEndian, values)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFloats(t *testing.T, path string) []float32 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float32, len(data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	return out
}

// maxAbsDiff is the largest |a−b| and where; NaN counts as infinitely far.
func maxAbsDiff(a, b []float32) (float64, int) {
	if len(a) != len(b) {
		return math.Inf(1), 0
	}
	worst, at := 0.0, 0
	for i := range a {
		d := math.Abs(float64(a[i]) - float64(b[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		if d > worst {
			worst, at = d, i
		}
	}
	return worst, at
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(string(b), "\n")
	return line
}
