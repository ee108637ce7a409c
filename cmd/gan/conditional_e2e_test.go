package main

import (
	"encoding/json"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gogan/checkpoints"
	"gogan/run"
)

// TestConditionalRun trains a tiny conditional GAN on the synthetic MNIST-named data (ten
// classes, "0" to "9"), then generates by class and scores the class metrics.
func TestConditionalRun(t *testing.T) {
	_, cache := evalFixture(t)
	runDir := trainTiny(t, 3, "--conditional")
	ck := filepath.Join(runDir, "checkpoints", "latest.safetensors")
	var cfg run.Config
	if err := json.Unmarshal(readFile(t, filepath.Join(runDir, "config.json")), &cfg); err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	if !cfg.Conditional || cfg.Classes != 10 || !slices.Equal(cfg.ClassNames, wantNames) {
		t.Errorf("config: conditional %v, %d classes %v; want 10 classes %v", cfg.Conditional, cfg.Classes, cfg.ClassNames, wantNames)
	}
	// The training grid has a row of 8 per class and a margin of names on the left.
	grid := decodePNG(t, filepath.Join(runDir, "samples", "step_3.png")).Bounds().Size()
	if plain := gridSize(80, 8, 28); grid.Y != plain.Y || grid.X <= plain.X {
		t.Errorf("sample grid %v, want %d high (10 rows) and wider than %d (the names)", grid, plain.Y, plain.X)
	}

	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }
	mustGan(t, "generate", "--checkpoint", ck, "--class", "7", "--n", "5", "--out-npy", out("seven.npy"))
	if _, shape := readNpyFile(t, out("seven.npy")); !slices.Equal(shape, []int{5, 1, 28, 28}) {
		t.Errorf("--class 7 --n 5 made %v", shape)
	}
	// The run's seed and 8 per class redraw its last sample grid, byte for byte.
	mustGan(t, "generate", "--checkpoint", ck, "--per-class", "8", "--out", out("again.png"))
	if !slices.Equal(readFile(t, out("again.png")), readFile(t, filepath.Join(runDir, "samples", "step_3.png"))) {
		t.Error("--per-class 8 did not redraw the run's last sample grid")
	}
	mustGan(t, "generate", "--checkpoint", ck, "--n", "13", "--out-npy", out("mixed.npy"))
	if _, shape := readNpyFile(t, out("mixed.npy")); !slices.Equal(shape, []int{13, 1, 28, 28}) {
		t.Errorf("--n 13 made %v", shape)
	}
	mustGan(t, "generate", "--checkpoint", ck, "--per-class", "3", "--out", out("per.png"))
	if got := decodePNG(t, out("per.png")).Bounds().Size(); got.Y != gridSize(30, 3, 28).Y {
		t.Errorf("--per-class 3 grid is %v, want 10 rows", got)
	}
	mustGan(t, "generate", "--checkpoint", ck, "--interpolate", "4", "--classes", "1,8", "--out-npy", out("blend.npy"))
	blend, _ := readNpyFile(t, out("blend.npy"))
	mustGan(t, "generate", "--checkpoint", ck, "--classes", "1,8", "--nrow", "1", "--out-npy", out("ends.npy"))
	ends, _ := readNpyFile(t, out("ends.npy"))
	// The blend starts at class 1 and ends at class 8, at the same latent as --classes' first column.
	if per := 28 * 28; !slices.Equal(blend[:per], ends[:per]) || !slices.Equal(blend[3*per:], ends[per:]) {
		t.Error("--interpolate between classes does not start and end at the classes' images")
	}
	if slices.Equal(ends[:28*28], ends[28*28:]) {
		t.Error("classes 1 and 8 gave the same image")
	}

	r := evalJSON(t, "--checkpoint", ck, "--cache", cache, "--n", "20")
	if r.Generated == nil || r.Generated.Class == nil || r.Real.Class == nil {
		t.Fatalf("report %+v: want class metrics of the generated and the real images", r)
	}
	if a := r.Real.Class.Accuracy; a < 0 || a > 1 || r.Generated.Class.FrechetDistance <= 0 {
		t.Errorf("class metrics %+v, real %+v", *r.Generated.Class, *r.Real.Class)
	}
	res := mustGan(t, "eval", "--checkpoint", ck, "--cache", cache, "--n", "20")
	for _, want := range []string{"class accuracy", "per-class Fréchet distance"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("eval output lacks %q:\n%s", want, res.stdout)
		}
	}
}

// TestConditionalBadInput: classes that do not exist, class flags on an unconditional
// checkpoint and --conditional on unlabelled data are refused with one line naming the fix.
func TestConditionalBadInput(t *testing.T) {
	cond := filepath.Join(trainTiny(t, 1, "--conditional"), "checkpoints", "latest.safetensors")
	plain := filepath.Join(trainTiny(t, 1), "checkpoints", "latest.safetensors")
	folder := t.TempDir()
	writeGrayPNG(t, filepath.Join(folder, "loose.png"))
	writeGrayPNG(t, filepath.Join(folder, "a", "1.png"))
	out := filepath.Join(t.TempDir(), "x.png")
	fewNames := rewriteCheckpoint(t, cond, filepath.Join(t.TempDir(), "few.safetensors"), all,
		editConfig(t, func(c *run.Config) { c.ClassNames = c.ClassNames[:3] }))
	noEMA := rewriteCheckpoint(t, cond, filepath.Join(t.TempDir(), "noema.safetensors"),
		func(name string) (string, bool) { return name, !strings.HasPrefix(name, "generator_ema.") }, func(map[string]string) {})
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"generate", "--checkpoint", cond, "--class", "10", "--out", out}, []string{`no class "10"`, `9 "9"`}},
		{[]string{"generate", "--checkpoint", cond, "--classes", "1,cat", "--out", out}, []string{`no class "cat"`}},
		{[]string{"generate", "--checkpoint", cond, "--class", "1", "--per-class", "2", "--out", out}, []string{"one of --class"}},
		{[]string{"generate", "--checkpoint", cond, "--interpolate", "3", "--out", out}, []string{"--classes A,B"}},
		{[]string{"generate", "--checkpoint", plain, "--class", "1", "--out", out}, []string{"not class-conditional"}},
		{[]string{"train", "--dataset", folder, "--conditional", "--steps", "1", "--out", t.TempDir()}, []string{"--conditional needs labelled data", "loose.png"}},
		{[]string{"train", "--ema-decay", "1", "--steps", "1", "--out", t.TempDir()}, []string{"ema decay 1"}},
		{[]string{"train", "--ema-stats", "median", "--steps", "1", "--out", t.TempDir()}, []string{`ema stats "median"`, "averaged"}},
		{[]string{"eval", "--checkpoint", cond, "--ema-stats", "median"}, []string{"--ema-stats must be stored, recomputed or generator"}},
		{[]string{"generate", "--checkpoint", fewNames, "--out", out}, []string{"3 class names for 10 classes"}},
		{[]string{"generate", "--checkpoint", noEMA, "--out", out}, []string{`no tensor "generator_ema.`}},
	} {
		res := gan(t, c.args...)
		line := strings.TrimSpace(res.stderr)
		if res.code == 0 || strings.Count(line, "\n") != 0 {
			t.Errorf("gan %s: exit %d, stderr %q: want one error line", strings.Join(c.args, " "), res.code, res.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("gan %s: %q lacks %q", strings.Join(c.args, " "), line, w)
			}
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused generate wrote its output")
	}
}

// TestEMAChoices: the averaged generator is what generate uses by default, --no-ema the
// trained one, and --ema-decay 0 keeps none.
func TestEMAChoices(t *testing.T) {
	run := trainTiny(t, 3)
	ck := filepath.Join(run, "checkpoints", "latest.safetensors")
	dir := t.TempDir()
	mustGan(t, "generate", "--checkpoint", ck, "--n", "2", "--out-npy", filepath.Join(dir, "ema.npy"))
	mustGan(t, "generate", "--checkpoint", ck, "--n", "2", "--no-ema", "--out-npy", filepath.Join(dir, "raw.npy"))
	ema, _ := readNpyFile(t, filepath.Join(dir, "ema.npy"))
	raw, _ := readNpyFile(t, filepath.Join(dir, "raw.npy"))
	if slices.Equal(ema, raw) {
		t.Error("the averaged and the trained generator made the same images")
	}
	off := filepath.Join(trainTiny(t, 2, "--ema-decay", "0"), "checkpoints", "latest.safetensors")
	f, err := checkpoints.Read(off)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range f.Names() {
		if strings.HasPrefix(name, "generator_ema.") {
			t.Fatalf("--ema-decay 0 stored %s", name)
		}
	}
	mustGan(t, "generate", "--checkpoint", off, "--n", "2", "--out-npy", filepath.Join(dir, "off.npy"))

	averaged := trainTiny(t, 2, "--ema-stats", "averaged")
	mustGan(t, "generate", "--checkpoint", averaged, "--n", "2", "--out-npy", filepath.Join(dir, "averaged.npy"))
	av, _ := readNpyFile(t, filepath.Join(dir, "averaged.npy"))
	if slices.Equal(av, ema) {
		t.Error("averaged and recomputed BatchNorm statistics made the same images")
	}
	res := gan(t, "train", "--resume", averaged, "--steps", "3", "--ema-stats", "recomputed")
	if res.code == 0 || !strings.Contains(res.stderr, "ema-stats") {
		t.Errorf("resuming an averaged-statistics run with --ema-stats recomputed: exit %d, %q", res.code, res.stderr)
	}
}

func writeGrayPNG(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img := image.NewGray(image.Rect(0, 0, 28, 28))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 90}), image.Point{}, draw.Src)
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestEvalEveryLogsBoth: --eval-every scores the trained and the averaged generator, each
// into metrics.jsonl; without an average only the first.
func TestEvalEveryLogsBoth(t *testing.T) {
	dataDir, cache := evalFixture(t)
	t.Setenv("GOGAN_CACHE", cache)
	for _, ema := range []string{"0.999", "0"} {
		out := filepath.Join(t.TempDir(), "run")
		mustGan(t, trainArgs(dataDir, out, "--steps", "2", "--eval-every", "1", "--eval-n", "16", "--ema-decay", ema)...)
		for _, line := range metricLines(t, filepath.Join(out, "metrics.jsonl")) {
			q, _ := line["quality"].(map[string]any)
			qe, hasEMA := line["quality_ema"].(map[string]any)
			if q == nil || q["frechet_distance"] == nil {
				t.Errorf("--ema-decay %s, step %v: no quality of the trained generator", ema, line["step"])
			}
			if hasEMA != (ema != "0") || hasEMA && qe["frechet_distance"] == q["frechet_distance"] {
				t.Errorf("--ema-decay %s, step %v: quality_ema %v beside quality %v", ema, line["step"], qe, q)
			}
		}
	}
}
