package main

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"gogan/cpu"
	"gogan/metrics"
)

// TestEvalExtractorFlags: on a class folder, gan eval --extractor rotation scores with the
// rotation predictor instead of the classifier, --extractor-seed picks the extractor trained
// with that seed, and the flags are refused, in one line and before any training, where they
// cannot apply.
func TestEvalExtractorFlags(t *testing.T) {
	folder := classFolder(t, 40)
	cache := t.TempDir()
	t.Setenv("GOGAN_CACHE", cache)
	// The extractors are cached first with a recipe of seconds, under the keys gan eval uses.
	recipe := metrics.FolderRecipe
	recipe.Images, recipe.BatchSize = 640, 16
	for _, seed := range []uint64{1, 2} {
		recipe.Seed = seed
		if _, err := metrics.ObtainFolder(cpu.New(), folder, cache, true, recipe, false, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		args []string
		key  string
	}{
		{[]string{"--extractor", "rotation"}, "-rotation"},
		{[]string{"--extractor", "rotation", "--extractor-seed", "2"}, "-rotation-seed2"},
	} {
		res := mustGan(t, append([]string{"eval", "--dataset", folder, "--n", "20", "--json"}, c.args...)...)
		var r metrics.Report
		if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
			t.Fatalf("%v in %q", err, res.stdout)
		}
		if r.ExtractorTask != metrics.TaskRotation || !strings.HasSuffix(r.Extractor, c.key) && !strings.Contains(r.Extractor, c.key+" ") ||
			strings.Contains(res.stderr, "training the extractor") {
			t.Errorf("%v: extractor %q (task %s), want the cached %s one; stderr:\n%s", c.args, r.Extractor, r.ExtractorTask, c.key, res.stderr)
		}
	}
	flat := writePhotos(t, 30, 0, 28, 28)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--dataset", folder, "--extractor", "pixels"}, "--extractor must be classes or rotation"},
		{[]string{"--dataset", flat, "--extractor", "classes"}, "has no class subfolders"},
		{[]string{"--dataset", "mnist", "--extractor", "rotation"}, "the rotation extractor is for image folders"},
		{[]string{"--dataset", "mnist", "--extractor-seed", "2"}, "another extractor seed is for image folders"},
	} {
		res := gan(t, append([]string{"eval", "--n", "20"}, c.args...)...)
		lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
		if last := lines[len(lines)-1]; res.code != 1 || !strings.HasPrefix(last, "gan eval: ") || !strings.Contains(last, c.want) ||
			strings.Contains(res.stderr, "training the extractor") {
			t.Errorf("%v: exit %d, stderr %q: want exit 1 and a last line saying %q, nothing trained", c.args, res.code, res.stderr, c.want)
		}
	}
}
