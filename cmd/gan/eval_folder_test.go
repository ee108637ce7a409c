package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/metrics"
)

// classFolder writes two class subfolders of photos (one gradient each, as writePhotos
// draws them) and returns the folder.
func classFolder(t *testing.T, perClass int) string {
	t.Helper()
	root := t.TempDir()
	for _, class := range []string{"cats", "dogs"} {
		if err := os.Rename(writePhotos(t, perClass, 0, 28, 28), filepath.Join(root, class)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestEvalOnFolderRun: gan eval --checkpoint scores a run over an image folder with the
// folder's own classifier, and --eval-every scores it during training.
func TestEvalOnFolderRun(t *testing.T) {
	folder := classFolder(t, 40)
	cache := t.TempDir()
	t.Setenv("GOGAN_CACHE", cache)
	// The classifier is cached first with a recipe of seconds, under the key gan eval uses.
	recipe := metrics.FolderRecipe
	recipe.Images, recipe.BatchSize = 640, 16
	if _, err := metrics.ObtainFolder(cpu.New(), folder, cache, false, recipe, false, io.Discard); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--dataset", folder, "--out", out, "--steps", "2", "--eval-every", "2", "--eval-n", "20"}, tinyNet...)
	res := mustGan(t, args...)
	if !strings.Contains(res.stderr, "step 2: Fréchet distance ") || strings.Contains(res.stderr, "training the extractor") {
		t.Errorf("--eval-every on a folder: want scores from the cached classifier on the console:\n%s", res.stderr)
	}
	res = mustGan(t, "eval", "--checkpoint", out, "--n", "20", "--json")
	var r metrics.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("%v in %q", err, res.stdout)
	}
	if r.Dataset != folder || r.ExtractorTask != metrics.TaskClasses || r.Generated == nil || r.Generated.FrechetDistance <= r.Real.FrechetDistance {
		t.Errorf("report %+v: want the folder's classifier, and a 2-step generator above the real floor", r)
	}
}

// TestEvalEveryOnMissingFolder: --eval-every on a folder that is not there fails before
// anything is loaded and leaves no run folder behind.
func TestEvalEveryOnMissingFolder(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	empty := t.TempDir()
	res := gan(t, append([]string{"train", "--dataset", empty + "/", "--out", out, "--steps", "2", "--eval-every", "1"}, tinyNet...)...)
	if res.code != 1 || !strings.Contains(res.stderr, "--eval-every: image folder") || !strings.Contains(res.stderr, "has no files") {
		t.Errorf("exit %d, stderr %q: want a one-line --eval-every error about the empty folder", res.code, res.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("run folder %s left behind (%v)", out, err)
	}
}
