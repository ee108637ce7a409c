package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/cpu"
	"gogan/nn"
)

// extractorFormat marks gogan's extractor files, so that another safetensors file is refused.
const extractorFormat = "gogan-extractor"

// CacheDir is where extractors are kept: $GOGAN_CACHE, else gogan under the user's cache
// folder (os.UserCacheDir).
func CacheDir() (string, error) {
	if d := os.Getenv("GOGAN_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache folder for the extractor (set $GOGAN_CACHE): %w", err)
	}
	return filepath.Join(d, "gogan"), nil
}

// CachePath is the file of a dataset's extractor in a cache folder, keyed by the dataset and
// ExtractorVersion.
func CachePath(dir, dataset string) string {
	return filepath.Join(dir, fmt.Sprintf("extractor-%s-v%d.safetensors", dataset, ExtractorVersion))
}

// Save writes the extractor to path atomically, with how it was trained in the metadata.
func (e *Extractor) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save extractor: %w", err)
	}
	var ts []checkpoints.Tensor
	for _, part := range e.parts() {
		for name, d := range part.net.State() {
			ts = append(ts, checkpoints.F32(part.prefix+name, d.Shape(), d.Data().([]float32)))
		}
	}
	meta := map[string]string{
		"format":     extractorFormat,
		"version":    strconv.Itoa(ExtractorVersion),
		"dataset":    e.Dataset,
		"classes":    strconv.Itoa(e.Classes),
		"input":      e.Input.String(),
		"task":       e.Task,
		"trained_on": e.Info.TrainedOn,
		"held_out":   e.Info.HeldOut,
		"accuracy":   strconv.FormatFloat(e.Info.Accuracy, 'g', -1, 64),
		"epochs":     strconv.Itoa(e.Info.Epochs),
		"seed":       strconv.FormatUint(e.Info.Seed, 10),
	}
	return checkpoints.Write(path, ts, meta)
}

type netPart struct {
	prefix string
	net    *nn.Network
}

func (e *Extractor) parts() []netPart {
	return []netPart{{"body.", e.body}, {"head.", e.head}}
}

// LoadExtractor reads an extractor that Save wrote for dataset, on backend b.
func LoadExtractor(b nn.Backend, path, dataset string) (*Extractor, error) {
	f, err := checkpoints.Read(path)
	if err != nil {
		return nil, err
	}
	meta := f.Metadata()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("extractor %s: %s", path, fmt.Sprintf(format, args...))
	}
	if meta["format"] != extractorFormat || meta["version"] != strconv.Itoa(ExtractorVersion) {
		return nil, bad("not a gogan extractor of version %d (format %q, version %q)", ExtractorVersion, meta["format"], meta["version"])
	}
	if meta["dataset"] != dataset {
		return nil, bad("made for dataset %q, not %q", meta["dataset"], dataset)
	}
	classes, err := strconv.Atoi(meta["classes"])
	if err != nil || classes < 2 || classes > 256 {
		return nil, bad("class count %q is not a number from 2 to 256", meta["classes"])
	}
	in, task := CatalogInput, TaskClasses // extractor files of catalog datasets may predate both keys
	if v, ok := meta["input"]; ok && v != CatalogInput.String() {
		if v != FolderInput.String() {
			return nil, bad("input %q is neither %s nor %s", v, CatalogInput, FolderInput)
		}
		in = FolderInput
	}
	if v, ok := meta["task"]; ok {
		task = v
	}
	e, err := newExtractor(b, dataset, in, task, classes, 1, 0)
	if err != nil {
		return nil, bad("%v", err)
	}
	e.Info = TrainInfo{TrainedOn: meta["trained_on"], HeldOut: meta["held_out"]}
	e.Info.Accuracy, _ = strconv.ParseFloat(meta["accuracy"], 64)
	e.Info.Epochs, _ = strconv.Atoi(meta["epochs"])
	e.Info.Seed, _ = strconv.ParseUint(meta["seed"], 10, 64)
	for _, part := range e.parts() {
		state := map[string]*tensor.Dense{}
		for _, name := range part.net.StateNames() {
			shape := part.net.Named(name).Tensor.Shape
			values, err := f.F32(part.prefix+name, shape...)
			if err != nil {
				return nil, err
			}
			state[name] = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values))
		}
		if err := part.net.LoadState(state); err != nil {
			return nil, bad("%v", err)
		}
	}
	if len(f.Names()) != len(e.body.StateNames())+len(e.head.StateNames()) {
		return nil, bad("holds %d tensors, want %d", len(f.Names()), len(e.body.StateNames())+len(e.head.StateNames()))
	}
	return e, nil
}

// Obtain returns the extractor of a catalog dataset from the cache folder, training and
// caching it first when it is absent or retrain is set, and loads it onto backend b. Training
// always runs on the CPU backend, so that the cached extractor is the same bits whatever
// device asked for it. dataDir is where the dataset's files are, as data.Spec.Dir; training
// progress goes to log.
func Obtain(b nn.Backend, dataset, dataDir, cacheDir string, retrain bool, log io.Writer) (*Extractor, error) {
	return obtainCatalog(context.Background(), b, dataset, dataDir, cacheDir, retrain, log)
}

// obtainCatalog is Obtain whose training cancelling ctx stops.
func obtainCatalog(ctx context.Context, b nn.Backend, dataset, dataDir, cacheDir string, retrain bool, log io.Writer) (*Extractor, error) {
	return obtain(b, dataset, CachePath(cacheDir, dataset), retrain, log, func(path string) (*Extractor, error) {
		train, held, err := TrainingParts(dataset, dataDir)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(log, "training the %s extractor (version %d) on %s, to be cached as %s\n", dataset, ExtractorVersion, train.What, path)
		return trainExtractor(ctx, cpu.New(), dataset, CatalogInput, TaskClasses, train, held, DefaultRecipe, log)
	})
}

// obtain loads the extractor cached at path under key, or, when it is absent or retrain is
// set, makes it with train and caches it there first.
func obtain(b nn.Backend, key, path string, retrain bool, log io.Writer, train func(path string) (*Extractor, error)) (*Extractor, error) {
	if !retrain {
		e, err := LoadExtractor(b, path, key)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cached extractor: %w (gan eval --retrain rebuilds it)", err)
		}
	}
	if err := checkCacheWritable(filepath.Dir(path)); err != nil {
		return nil, err
	}
	e, err := train(path)
	if err != nil {
		return nil, err
	}
	if err := e.Save(path); err != nil {
		return nil, err
	}
	return LoadExtractor(b, path, key)
}

// checkCacheWritable makes the cache folder and writes a probe into it, so that a folder the
// extractor cannot be cached in fails before minutes of training rather than after.
func checkCacheWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("extractor cache folder: %w", err)
	}
	probe, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("extractor cache folder %s is not writable: %w", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
