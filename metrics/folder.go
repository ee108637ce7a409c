package metrics

import (
	"context"
	"fmt"
	"io"

	"gogan/cpu"
	"gogan/data"
	"gogan/nn"
)

// FolderRecipe is the recipe of an image folder's extractor: as DefaultRecipe, but fewer
// images in all, since a folder's extractor is trained on the first evaluation of every new
// folder, whose images are larger (3×32×32) and usually fewer.
var FolderRecipe = Recipe{Images: 48000, MinEpochs: 3, BatchSize: 64, LR: 1e-3, Shift: 2, ShiftBelow: 20000, Seed: 1}

// FolderKey names a folder's extractor in the cache and in reports: the start of the folder's
// fingerprint (data.FolderFingerprint), the task, and the training seed where it is not
// FolderRecipe's.
func FolderKey(fingerprint, task string, seed uint64) string {
	key := fmt.Sprintf("folder-%.16s-%s", fingerprint, task)
	if seed != FolderRecipe.Seed {
		key += fmt.Sprintf("-seed%d", seed)
	}
	return key
}

// openFolder reads an image folder as a folder's extractor reads it: 3×32×32, labelled by its
// class subfolders where it has them.
func openFolder(root string, log io.Writer) (*data.Dataset, error) {
	return data.Open(data.Spec{Folder: root, ImageSize: FolderSide, SizeFrom: "the metrics' extractor", Channels: FolderInput.Channels, Warn: log})
}

// folderTask is what a folder's extractor learns: its classes where it has class subfolders
// and they are not to be ignored, else the rotations of its images.
func folderTask(ds *data.Dataset, ignoreLabels bool) string {
	if ds.Labels != nil && !ignoreLabels {
		return TaskClasses
	}
	return TaskRotation
}

// folderTrainingParts are the images a folder's extractor learns from and those its accuracy
// is measured on: a seeded 80/20 division of the folder, as for a catalog dataset's lone split.
func folderTrainingParts(ds *data.Dataset) (train, held Part) {
	return halves(ds, FolderRecipe.Seed, 1-heldOutFraction, "the extractor's part", "held out from the extractor")
}

// obtainFolder returns the extractor of an image folder read as ds, whose fingerprint is fp,
// from the cache folder, training and caching it first when it is absent or retrain is set.
func obtainFolder(ctx context.Context, b nn.Backend, ds *data.Dataset, fp, task string, r Recipe, cacheDir string, retrain bool, log io.Writer) (*Extractor, error) {
	key := FolderKey(fp, task, r.Seed)
	return obtain(b, key, CachePath(cacheDir, key), retrain, log, func(path string) (*Extractor, error) {
		train, held := folderTrainingParts(ds)
		fmt.Fprintf(log, "training the extractor of %s (%s, version %d) on %s, to be cached as %s\n", ds.Source, task, ExtractorVersion, train.What, path)
		return trainExtractor(ctx, cpu.New(), key, FolderInput, task, train, held, r, log)
	})
}

// newFolderEvaluator is NewEvaluator for an image folder: its extractor is trained on the
// folder itself, and the reference and baseline are the two halves of the folder in a seeded
// order, so that, as for a lone split, both hold images the extractor learnt from.
func newFolderEvaluator(o Options) (*Evaluator, error) {
	fp, err := data.FolderFingerprint(o.Dataset)
	if err != nil {
		return nil, err
	}
	ds, err := openFolder(o.Dataset, o.Log)
	if err != nil {
		return nil, err
	}
	r := FolderRecipe
	if o.folderRecipe != nil {
		r = *o.folderRecipe
	}
	if o.ExtractorSeed != 0 {
		r.Seed = o.ExtractorSeed
	}
	task := o.Task
	switch {
	case task == "":
		task = folderTask(ds, false)
	case task == TaskClasses && ds.Labels == nil:
		return nil, fmt.Errorf("image folder %s has no class subfolders to train a classifier on; its extractor is %s", o.Dataset, TaskRotation)
	}
	ref, base := halves(ds, o.Seed, 0.5, "reference half", "baseline half")
	n := min(o.N, ref.Len(), base.Len())
	if n <= Neighbours {
		return nil, fmt.Errorf("%s: %d images per set; the metrics need at least %d", ds.Name, n, Neighbours+1)
	}
	if err := o.checkN(min(ref.Len(), base.Len()), ds.Name); err != nil {
		return nil, err
	}
	ex, err := obtainFolder(o.context(), o.Backend, ds, fp, task, r, o.CacheDir, o.Retrain, o.Log)
	if err != nil {
		return nil, err
	}
	ref = ref.slice(0, n, fmt.Sprintf("%d images of %s (half of it, which the extractor mostly learnt from)", n, ds.Name))
	base = base.slice(0, n, fmt.Sprintf("%d other images of %s (the other half)", n, ds.Name))
	return newEvaluator(ex, o.Dataset, ref, base)
}

// CheckDataset checks, as cheaply as a stat per file and before any image is loaded, what an
// Evaluator of dataset needs besides its images: a cache folder for the extractor, and, for
// an image folder, that it is a folder with files in it.
func CheckDataset(dataset string) error {
	if _, err := CacheDir(); err != nil {
		return err
	}
	if !data.IsFolder(dataset) {
		return nil
	}
	_, err := data.FolderFingerprint(dataset)
	return err
}

// ObtainFolder returns the extractor of an image folder, trained by recipe r (FolderRecipe
// in gan eval and --eval-every) and cached under the folder's fingerprint in cacheDir, on
// backend b: the classifier of its class subfolders, or, where it has none or ignoreLabels
// is set, the rotation predictor.
func ObtainFolder(b nn.Backend, root, cacheDir string, ignoreLabels bool, r Recipe, retrain bool, log io.Writer) (*Extractor, error) {
	fp, err := data.FolderFingerprint(root)
	if err != nil {
		return nil, err
	}
	ds, err := openFolder(root, log)
	if err != nil {
		return nil, err
	}
	return obtainFolder(context.Background(), b, ds, fp, folderTask(ds, ignoreLabels), r, cacheDir, retrain, log)
}
