package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"gogan/run"
)

// TestFolderRunResumesFromAnotherDirectory: a run started on a folder given as a relative
// path records the folder's absolute path, so that it resumes from another directory, with
// or without --dataset giving the folder's absolute path.
func TestFolderRunResumesFromAnotherDirectory(t *testing.T) {
	folder := classFolder(t, 8)
	out := filepath.Join(t.TempDir(), "run")
	t.Chdir(filepath.Dir(folder))
	mustGan(t, append([]string{"train", "--dataset", filepath.Base(folder), "--out", out, "--steps", "2"}, tinyNet...)...)
	var cfg struct{ Dataset string }
	if err := json.Unmarshal(readFile(t, filepath.Join(out, "config.json")), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Dataset != filepath.Clean(folder) {
		t.Errorf("config.json records dataset %q, want the folder's absolute path %q", cfg.Dataset, folder)
	}
	t.Chdir(t.TempDir())
	latest := filepath.Join(out, "checkpoints", "latest.safetensors")
	mustGan(t, "train", "--resume", latest, "--steps", "4")
	mustGan(t, "train", "--resume", latest, "--steps", "6", "--dataset", folder)
}

// TestResumeDatasetRefusesARelativeFolderNotHere: an older configuration holding a folder
// relative to another directory is refused with one line naming it and what to do.
func TestResumeDatasetRefusesARelativeFolderNotHere(t *testing.T) {
	t.Chdir(t.TempDir())
	recorded := run.Config{Dataset: filepath.Join("photos", "cats")}
	_, err := resumeDataset(false, run.Config{}, recorded)
	if err == nil || !strings.Contains(err.Error(), recorded.Dataset) || !strings.Contains(err.Error(), "give --dataset") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one line naming %s and --dataset, got %v", recorded.Dataset, err)
	}
	if _, err := resumeDataset(false, run.Config{}, run.Config{Dataset: "cats"}); err == nil || !strings.Contains(err.Error(), "give --dataset") {
		t.Errorf("a bare folder name not here: want the refusal, got %v", err)
	}
	given := run.Config{Dataset: "/srv/photos/cats"}
	if got, err := resumeDataset(true, given, recorded); err != nil || got != given.Dataset {
		t.Errorf("with --dataset %s: got %q, %v", given.Dataset, got, err)
	}
	if _, same := sameDataset(given, recorded); !same {
		t.Errorf("--dataset %s refused as a change from %s, which cannot be found here", given.Dataset, recorded.Dataset)
	}
}
