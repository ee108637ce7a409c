package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gogan/data"
	"gogan/run"
)

// absDataset is a folder dataset (or pack) as a cleaned absolute path, so that the run's
// configuration finds it again from any directory; a named dataset is returned as it is.
func absDataset(dataset string) (string, error) {
	if !data.IsFolder(dataset) {
		return dataset, nil
	}
	if filepath.IsAbs(dataset) {
		return filepath.Clean(dataset), nil
	}
	abs, err := filepath.Abs(dataset)
	if err != nil {
		return "", fmt.Errorf("--dataset %s: %w", dataset, err)
	}
	return abs, nil
}

// foundHere says whether a folder dataset or pack exists at path.
func foundHere(path string) bool {
	st, err := os.Stat(path)
	return err == nil && (st.IsDir() || data.IsPack(path))
}

// resumeDataset settles the dataset a resumed run trains on: the folder given with
// --dataset (already checked to be the recorded one), or the recorded one, which an older
// configuration holds as a path relative to the directory the run was started in.
func resumeDataset(givenSet bool, given, recorded run.Config) (string, error) {
	// A bare name that is no catalog dataset is a folder that is not here.
	if _, named := data.Catalog[strings.ToLower(recorded.Dataset)]; named && !data.IsFolder(recorded.Dataset) {
		return recorded.Dataset, nil
	}
	if givenSet {
		return absDataset(given.Dataset)
	}
	if filepath.IsAbs(recorded.Dataset) {
		return filepath.Clean(recorded.Dataset), nil
	}
	if !foundHere(recorded.Dataset) {
		return "", fmt.Errorf("the run's dataset is the folder %s, recorded relative to the directory the run was started in, and it is not here; run from that directory or give --dataset with the folder's path", recorded.Dataset)
	}
	return absDataset(recorded.Dataset)
}
