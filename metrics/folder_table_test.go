package metrics

import (
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

// blurSigma is the blur of the "blurred real images" row, in pixels of the extractor's
// 32×32 input: fixed before any measurement, so that it is not tuned to an ordering.
const blurSigma = 1.0

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

// ladder is the Fréchet distance of each rung, best first, as the ordering should read.
type ladder struct {
	names []string
	fd    []float64
}

// measureLadder scores, against an evaluator of folder: its real baseline images, the
// generated sets given (best first), the baseline images blurred, and uniform noise.
func measureLadder(t *testing.T, o Options, generated []string, sets []*tensor.Dense) ladder {
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
	l := ladder{names: append(append([]string{"real held-out"}, generated...), "blurred real", "noise")}
	l.fd = append(l.fd, ev.Baseline().FrechetDistance)
	for _, set := range append(append([]*tensor.Dense{}, sets...),
		asImages(blurImages(real, FolderInput, blurSigma), FolderInput),
		asImages(uniformNoise(ev.N(), FolderInput, 1), FolderInput)) {
		s, err := ev.ScoreImages(set)
		if err != nil {
			t.Fatal(err)
		}
		l.fd = append(l.fd, s.FrechetDistance)
	}
	return l
}

// misordered names the first pair of rungs out of order, or is "".
func (l ladder) misordered() string {
	for i := 1; i < len(l.fd); i++ {
		if !(l.fd[i-1] < l.fd[i]) {
			return fmt.Sprintf("%s (%.3f) is not below %s (%.3f)", l.names[i-1], l.fd[i-1], l.names[i], l.fd[i])
		}
	}
	return ""
}

// TestFolderTable measures the table of the README's metrics section: for each folder, with
// the labelled and the unlabelled extractor, each trained with three seeds, the Fréchet
// distance of real held-out images, a trained generator's, an early checkpoint's, blurred
// real images and noise, which must come in that order. It runs only when
// GOGAN_FOLDER_TABLE lists FOLDER=TRAINED,EARLY entries separated by ";", the sample folders
// written by gan generate --out-dir (scripts/folder_eval_table.sh makes them).
func TestFolderTable(t *testing.T) {
	spec := os.Getenv("GOGAN_FOLDER_TABLE")
	if spec == "" {
		t.Skip("the full table needs trained generators' samples: run scripts/folder_eval_table.sh")
	}
	cache := os.Getenv("GOGAN_CACHE")
	if cache == "" {
		cache = t.TempDir()
	}
	n := 1000
	fmt.Printf("| folder | extractor | seed | accuracy | real held-out | trained G | early G | blurred real | noise |\n|---|---|---|---|---|---|---|---|---|\n")
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
		for _, ignore := range []bool{false, true} {
			var all [][]float64
			for seed := uint64(1); seed <= 3; seed++ {
				o := Options{Dataset: folder, N: n, Seed: 1, CacheDir: cache, Backend: cpu.New(), Log: testLog{t},
					IgnoreLabels: ignore, ExtractorSeed: seed}
				l := measureLadder(t, o, []string{"trained G", "early G"}, sets)
				ev, _ := NewEvaluator(o) // cached now: only re-embeds the real images
				task := ev.Extractor().Task
				fmt.Printf("| %s | %s | %d | %.1f%% |", filepath.Base(folder), task, seed, 100*ev.Extractor().Info.Accuracy)
				for _, v := range l.fd {
					fmt.Printf(" %.3f |", v)
				}
				fmt.Println()
				if m := l.misordered(); m != "" {
					t.Errorf("%s, %s extractor, seed %d: %s", folder, task, seed, m)
				}
				all = append(all, l.fd)
			}
			fmt.Printf("| %s | mean ± sd over seeds | | |", filepath.Base(folder))
			for j := range all[0] {
				var sum, sq float64
				for _, row := range all {
					sum += row[j]
				}
				mean := sum / float64(len(all))
				for _, row := range all {
					sq += (row[j] - mean) * (row[j] - mean)
				}
				fmt.Printf(" %.3f ± %.3f |", mean, math.Sqrt(sq/float64(len(all)-1)))
			}
			fmt.Println()
		}
	}
}
