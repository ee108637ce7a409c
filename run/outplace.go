package run

import (
	"fmt"
	"path/filepath"
	"strings"

	"gogan/data"
)

// checkOutOutsideData refuses an output folder inside the image folder the run trains on:
// its sample grids would be read as training images by the next run or resume.
func checkOutOutsideData(cfg Config) error {
	if !data.IsFolder(cfg.Dataset) {
		return nil
	}
	folder, errF := filepath.Abs(cfg.Dataset)
	out, errO := filepath.Abs(cfg.Out)
	if errF != nil || errO != nil {
		return nil
	}
	if real, err := filepath.EvalSymlinks(folder); err == nil {
		folder = real
	}
	if real, err := filepath.EvalSymlinks(filepath.Dir(out)); err == nil {
		out = filepath.Join(real, filepath.Base(out))
	}
	rel, err := filepath.Rel(folder, out)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil
	}
	return fmt.Errorf("--out %s is inside the image folder %s: a later run or resume would train on this run's own sample grids; choose an --out outside it", cfg.Out, cfg.Dataset)
}
