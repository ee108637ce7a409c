package metrics

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/data"
)

// blurSigmas are the blurs of the "blurred real images" rungs, in pixels of the extractor's
// 32×32 input, mildest first: σ = 1 was fixed before any measurement; 2 and 4 were fixed
// before measuring them, as a ladder of degradations on which a generator's stage can be
// read, so that none of them is tuned to an ordering.
var blurSigmas = []float64{1, 2, 4}

// blurImages returns images (N, C, S, S) in [-1, 1] blurred with a Gaussian of sigma pixels.
func blurImages(x []float32, in Input, sigma float64) []float32 {
	out := make([]float32, len(x))
	per, plane := in.Size(), in.Side*in.Side
	for lo := 0; lo < len(x); lo += per {
		b := imaging.Blur(toNRGBA(x[lo:lo+per], in.Channels, in.Side, in.Side), sigma)
		for k := 0; k < in.Channels; k++ {
			for p := 0; p < plane; p++ {
				out[lo+k*plane+p] = float32(b.Pix[4*p+k])/127.5 - 1
			}
		}
	}
	return out
}

// uniformNoise is n images of in with every value uniform in [-1, 1].
func uniformNoise(n int, in Input, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 0x6e6f697365)) // "noise"
	x := make([]float32, n*in.Size())
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

// asImages wraps (N, C, S, S) values of in as a tensor.
func asImages(x []float32, in Input) *tensor.Dense {
	return tensor.New(tensor.WithShape(len(x)/in.Size(), in.Channels, in.Side, in.Side), tensor.WithBacking(x))
}

// ladder is the Fréchet distance of each rung of a folder's table: real held-out images, the
// generated sets (best first), the blurred real images (mildest first) and noise.
type ladder struct {
	generated []string
	fd        []float64
}

// rung indices: 0 is the real baseline, then the generated sets, the blurs, and noise last.
func (l ladder) real() float64         { return l.fd[0] }
func (l ladder) gen(i int) float64     { return l.fd[1+i] }
func (l ladder) blur(i int) float64    { return l.fd[1+len(l.generated)+i] }
func (l ladder) noise() float64        { return l.fd[len(l.fd)-1] }
func (l ladder) blurName(i int) string { return fmt.Sprintf("blur σ=%g", blurSigmas[i]) }

// measureLadder scores, against an evaluator of folder: its real baseline images, the
// generated sets given (best first), the baseline images blurred by each of blurSigmas, and
// uniform noise. It returns the evaluator too, for its extractor's description.
func measureLadder(t *testing.T, o Options, generated []string, sets []*tensor.Dense) (ladder, *Evaluator) {
	t.Helper()
	ev, err := NewEvaluator(o)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := openFolder(o.Dataset, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	_, base := halves(ds, o.Seed, 0.5, "", "")
	real := images(base.slice(0, ev.N(), ""))
	all := append([]*tensor.Dense{}, sets...)
	for _, sigma := range blurSigmas {
		all = append(all, asImages(blurImages(real, FolderInput, sigma), FolderInput))
	}
	all = append(all, asImages(uniformNoise(ev.N(), FolderInput, 1), FolderInput))
	l := ladder{generated: generated, fd: []float64{ev.Baseline().FrechetDistance}}
	for _, set := range all {
		s, err := ev.ScoreImages(set)
		if err != nil {
			t.Fatal(err)
		}
		l.fd = append(l.fd, s.FrechetDistance)
	}
	return l, ev
}

// firstMisordered names the first pair of a chain of named distances out of order, or is "".
func firstMisordered(names []string, fd []float64) string {
	for i := 1; i < len(fd); i++ {
		if !(fd[i-1] < fd[i]) {
			return fmt.Sprintf("%s (%.3f) is not below %s (%.3f)", names[i-1], fd[i-1], names[i], fd[i])
		}
	}
	return ""
}

// misordered names the first pair out of order in either chain the score must keep whatever
// the generator: real < the generators, best first < noise, and real < the blurs, mildest
// first < noise; or is "".
func (l ladder) misordered() string {
	names := append(append([]string{"real held-out"}, l.generated...), "noise")
	fd := []float64{l.real()}
	for i := range l.generated {
		fd = append(fd, l.gen(i))
	}
	if m := firstMisordered(names, append(fd, l.noise())); m != "" {
		return m
	}
	names, fd = []string{"real held-out"}, []float64{l.real()}
	for i := range blurSigmas {
		names, fd = append(names, l.blurName(i)), append(fd, l.blur(i))
	}
	return firstMisordered(append(names, "noise"), append(fd, l.noise()))
}

// place says where a distance falls on the blur ladder: below the mildest blur, between two
// blurs, or beyond the strongest.
func (l ladder) place(fd float64) string {
	if fd < l.blur(0) {
		return "< " + l.blurName(0)
	}
	for i := 1; i < len(blurSigmas); i++ {
		if fd < l.blur(i) {
			return fmt.Sprintf("σ=%g…%g", blurSigmas[i-1], blurSigmas[i])
		}
	}
	return "> " + l.blurName(len(blurSigmas)-1)
}

// TestFolderTable measures the table of the README's metrics section: for each folder, with
// the labelled and the unlabelled extractor, each trained with three seeds, the Fréchet
// distance of real held-out images, a trained generator's, an early checkpoint's, real images
// blurred by σ = 1, 2 and 4 pixels, and noise. It fails unless, with every extractor, real <
// trained < early < noise and real < σ=1 < σ=2 < σ=4 < noise; where each generator falls on
// the blur ladder is measured and printed, not asserted, since it is a property of the
// generator (an early checkpoint may well be worse than mildly blurred real images). It runs
// only when GOGAN_FOLDER_TABLE lists FOLDER=TRAINED,EARLY entries separated by ";", the
// sample folders written by gan generate --out-dir (scripts/folder_eval_table.sh makes them);
// GOGAN_FOLDER_TABLE_TASKS (default "classes,rotation") picks the extractors.
func TestFolderTable(t *testing.T) {
	spec := os.Getenv("GOGAN_FOLDER_TABLE")
	if spec == "" {
		t.Skip("the full table needs trained generators' samples: run scripts/folder_eval_table.sh")
	}
	cache := os.Getenv("GOGAN_CACHE")
	if cache == "" {
		cache = t.TempDir()
	}
	tasks := strings.Split(cmp.Or(os.Getenv("GOGAN_FOLDER_TABLE_TASKS"), TaskClasses+","+TaskRotation), ",")
	fmt.Printf("| folder | extractor | seed | accuracy | real held-out | trained G | early G |")
	for i := range blurSigmas {
		fmt.Printf(" blur σ=%g |", blurSigmas[i])
	}
	fmt.Printf(" noise | trained G on the blur ladder | early G on the blur ladder |\n|%s\n", strings.Repeat("---|", 10+len(blurSigmas)))
	for _, entry := range strings.Split(spec, ";") {
		folder, samples, ok := strings.Cut(entry, "=")
		trained, early, ok2 := strings.Cut(samples, ",")
		if !ok || !ok2 {
			t.Fatalf("GOGAN_FOLDER_TABLE entry %q is not FOLDER=TRAINED,EARLY", entry)
		}
		var sets []*tensor.Dense
		for _, p := range []string{trained, early} {
			x, err := data.ReadSamples(p)
			if err != nil {
				t.Fatal(err)
			}
			sets = append(sets, x)
		}
		for _, task := range tasks {
			if task != TaskClasses && task != TaskRotation {
				t.Fatalf("GOGAN_FOLDER_TABLE_TASKS: %q is neither %s nor %s", task, TaskClasses, TaskRotation)
			}
			tableRows(t, Options{Dataset: folder, N: 1000, Seed: 1, CacheDir: cache, Backend: cpu.New(), Log: testLog{t},
				Task: task}, sets)
		}
	}
}

// tableRows prints one row per extractor seed of one folder and extractor, and their mean and
// standard deviation.
func tableRows(t *testing.T, o Options, sets []*tensor.Dense) {
	var all [][]float64
	var task string
	for seed := uint64(1); seed <= 3; seed++ {
		o.ExtractorSeed = seed
		l, ev := measureLadder(t, o, []string{"trained G", "early G"}, sets)
		task = ev.Extractor().Task
		fmt.Printf("| %s | %s | %d | %.1f%% |", filepath.Base(o.Dataset), task, seed, 100*ev.Extractor().Info.Accuracy)
		for _, v := range l.fd {
			fmt.Printf(" %.2f |", v)
		}
		fmt.Printf(" %s | %s |\n", l.place(l.gen(0)), l.place(l.gen(1)))
		if m := l.misordered(); m != "" {
			t.Errorf("%s, %s extractor, seed %d: %s", o.Dataset, task, seed, m)
		}
		all = append(all, l.fd)
	}
	fmt.Printf("| %s | %s, mean ± sd | | |", filepath.Base(o.Dataset), task)
	for j := range all[0] {
		var sum, sq float64
		for _, row := range all {
			sum += row[j]
		}
		mean := sum / float64(len(all))
		for _, row := range all {
			sq += (row[j] - mean) * (row[j] - mean)
		}
		fmt.Printf(" %.1f ± %.1f |", mean, math.Sqrt(sq/float64(len(all)-1)))
	}
	fmt.Println(" | |")
}

// TestLadderOrderAndPlace checks the table's verdicts on made-up distances: a generator worse
// than mild blur is placed on the ladder but is no fault; a generator chain or a blur chain
// out of order is.
func TestLadderOrderAndPlace(t *testing.T) {
	gens := []string{"trained G", "early G"}
	// real, trained, early, σ=1, σ=2, σ=4, noise
	l := ladder{generated: gens, fd: []float64{1, 10, 30, 20, 40, 80, 200}}
	if m := l.misordered(); m != "" {
		t.Errorf("early G between σ=1 and σ=2 was called misordered: %s", m)
	}
	if p0, p1 := l.place(l.gen(0)), l.place(l.gen(1)); p0 != "< blur σ=1" || p1 != "σ=1…2" {
		t.Errorf("placed trained G %q and early G %q, want < blur σ=1 and σ=1…2", p0, p1)
	}
	if p := l.place(100); p != "> blur σ=4" {
		t.Errorf("placed 100 %q, want > blur σ=4", p)
	}
	for _, c := range []struct {
		fd   []float64
		want string
	}{
		{[]float64{1, 30, 10, 20, 40, 80, 200}, "trained G (30.000) is not below early G"},
		{[]float64{1, 10, 300, 20, 40, 80, 200}, "early G (300.000) is not below noise"},
		{[]float64{1, 10, 30, 20, 90, 80, 200}, "blur σ=2 (90.000) is not below blur σ=4"},
		{[]float64{50, 60, 70, 20, 40, 80, 200}, "real held-out (50.000) is not below blur σ=1"},
	} {
		if m := (ladder{generated: gens, fd: c.fd}).misordered(); !strings.Contains(m, c.want) {
			t.Errorf("%v: misordered() = %q, want it to say %q", c.fd, m, c.want)
		}
	}
}
