package metrics

import (
	"context"
	"fmt"
	"io"

	"gorgonia.org/tensor"

	"gogan/cpu"
	"gogan/data"
	"gogan/nn"
)

// DefaultN is the number of images per set, generated and real, unless told otherwise.
const DefaultN = 10000

// GenerateChunk is the most images Evaluator.Score asks its generate function for at once.
const GenerateChunk = 256

// Options configure an Evaluator.
type Options struct {
	Dataset string // catalog name of the dataset the generator learnt, or its image folder
	Dir     string // folder of its files, as data.Spec.Dir; "" searches the usual places
	Split   string // the split it learnt from: "train" or "test"; "" is train, or test where train is absent
	N       int    // images per set; 0 means DefaultN; fewer when the real splits hold fewer
	// ExactN refuses an N above what the real images hold, before any extractor is trained,
	// instead of comparing fewer: a run records the N it was given.
	ExactN   bool
	Seed     uint64     // picks the real images
	CacheDir string     // where extractors are kept; "" means CacheDir()
	Retrain  bool       // train the extractor again even if it is cached
	Backend  nn.Backend // runs the extractor; nil means the CPU backend (training is always on the CPU)
	Log      io.Writer  // progress lines; nil discards them
	// Context, when cancelled, stops the training of an extractor within a step, before
	// anything is cached; nil never stops it.
	Context context.Context

	// For an image folder: Task picks its extractor, TaskClasses (which needs class
	// subfolders) or TaskRotation (which any folder has), "" the first the folder has; and
	// ExtractorSeed (0: FolderRecipe's) trains another extractor, cached apart, to see how
	// much the numbers depend on it. A catalog dataset has only its classifier.
	Task          string
	ExtractorSeed uint64

	folderRecipe *Recipe // FolderRecipe unless set (by tests, to train in seconds)
}

// Scores are the metrics of one set of images against the reference images.
type Scores struct {
	FrechetDistance float64 `json:"frechet_distance"`
	// ClassifierScore is 0, and left out, where the extractor predicts rotations, not classes.
	ClassifierScore float64 `json:"classifier_score,omitempty"`
	Precision       float64 `json:"precision"`
	Recall          float64 `json:"recall"`
	// Class holds the class metrics of a conditional generator (and of the real baseline
	// images, with their labels); nil otherwise.
	Class *ClassScores `json:"class,omitempty"`
}

// Evaluator scores sets of images against a fixed sample of real ones. It is made once, which
// trains or loads the extractor and embeds the real images, and then scores as often as asked.
type Evaluator struct {
	ex        *Extractor
	dataset   string
	n         int
	ref, base string
	refStats  Gaussian
	refShape  *Manifold
	refClass  *classReference
	baseline  Scores
}

// NewEvaluator loads (or trains and caches) the dataset's extractor, embeds the reference and
// baseline images and scores the baseline against the reference.
func NewEvaluator(o Options) (*Evaluator, error) {
	if o.N == 0 {
		o.N = DefaultN
	}
	if o.Backend == nil {
		o.Backend = cpu.New()
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.CacheDir == "" {
		dir, err := CacheDir()
		if err != nil {
			return nil, err
		}
		o.CacheDir = dir
	}
	if o.Task != "" && o.Task != TaskClasses && o.Task != TaskRotation {
		return nil, fmt.Errorf("extractor %q: want %s or %s", o.Task, TaskClasses, TaskRotation)
	}
	if data.IsFolder(o.Dataset) {
		return newFolderEvaluator(o)
	}
	if o.Task != "" && o.Task != TaskClasses {
		return nil, fmt.Errorf("%s is scored only by its classifier; the %s extractor is for image folders", o.Dataset, o.Task)
	}
	if o.ExtractorSeed != 0 {
		return nil, fmt.Errorf("%s is scored by its one cached classifier; another extractor seed is for image folders", o.Dataset)
	}
	ref, base, err := RealParts(o.Dataset, o.Dir, o.Split, o.N, o.Seed)
	if err != nil {
		return nil, err
	}
	if err := o.checkN(ref.Len(), o.Dataset); err != nil {
		return nil, err
	}
	ex, err := obtainCatalog(o.context(), o.Backend, o.Dataset, o.Dir, o.CacheDir, o.Retrain, o.Log)
	if err != nil {
		return nil, err
	}
	return newEvaluator(ex, o.Dataset, ref, base)
}

// checkN refuses, with ExactN, an N above the held images per set.
func (o Options) checkN(held int, what string) error {
	if o.ExactN && o.N > held {
		return fmt.Errorf("eval-n %d is more than the %d images per set that %s holds; give at most %d", o.N, held, what, held)
	}
	return nil
}

func (o Options) context() context.Context {
	if o.Context == nil {
		return context.Background()
	}
	return o.Context
}

// newEvaluator embeds the real parts with ex and scores the baseline.
func newEvaluator(ex *Extractor, dataset string, ref, base Part) (*Evaluator, error) {
	e := &Evaluator{ex: ex, dataset: dataset, n: ref.Len(), ref: ref.What, base: base.What}
	emb := ex.Embed(images(ref))
	var err error
	if e.refStats, err = FitGaussian(emb.Features, FeatureSize); err != nil {
		return nil, err
	}
	if e.refShape, err = NewManifold(emb.Features, FeatureSize, Neighbours); err != nil {
		return nil, err
	}
	baseEmb := ex.Embed(images(base))
	if e.baseline, err = e.scoreEmbedding(baseEmb); err != nil {
		return nil, fmt.Errorf("real-versus-real baseline: %w", err)
	}
	if ex.Task == TaskClasses && ref.Data.Labels != nil && base.Data.Labels != nil {
		if e.refClass, err = newClassReference(emb.Features, labels(ref), ex.Classes); err != nil {
			return nil, err
		}
		// Too few images per class leave the class metrics out rather than the evaluation.
		e.baseline.Class, _ = e.refClass.score(baseEmb, labels(base))
	}
	return e, nil
}

// N is the number of images in each set the evaluator compares.
func (e *Evaluator) N() int { return e.n }

// Extractor is the classifier whose features the evaluator compares.
func (e *Evaluator) Extractor() *Extractor { return e.ex }

// Baseline are the scores of the baseline real images against the reference: the floor a
// perfect generator would reach with as many images.
func (e *Evaluator) Baseline() Scores { return e.baseline }

// Score scores N generated images. It calls generate for chunks of at most GenerateChunk
// images, in order, until N are made; each call returns (n, C, H, W) float32 images in
// [-1, 1], C 1 or 3, of any size (see ToInput). Drawing the latents from the same seed at
// every call of Score makes scores over a run differ only by the generator.
func (e *Evaluator) Score(generate func(n int) *tensor.Dense) (Scores, error) {
	emb, err := e.embedGenerated(generate)
	if err != nil {
		return Scores{}, err
	}
	return e.scoreEmbedding(emb)
}

// embedGenerated asks generate for N images in chunks and embeds them.
func (e *Evaluator) embedGenerated(generate func(n int) *tensor.Dense) (*Embedding, error) {
	in := e.ex.Input
	x := make([]float32, 0, e.n*in.Size())
	for made := 0; made < e.n; {
		k := min(GenerateChunk, e.n-made)
		imgs := generate(k)
		if imgs == nil || len(imgs.Shape()) == 0 || imgs.Shape()[0] != k {
			return nil, fmt.Errorf("score: asked the generator for %d images, got %v", k, shapeOf(imgs))
		}
		g, err := ToInput(imgs, in)
		if err != nil {
			return nil, fmt.Errorf("score: generated %w", err)
		}
		x = append(x, g...)
		made += k
	}
	return e.ex.Embed(x), nil
}

// ScoreConditional is Score for a conditional generator whose image i is asked to be of
// class labels[i] (N labels): the scores also hold the class metrics.
func (e *Evaluator) ScoreConditional(generate func(n int) *tensor.Dense, labels []uint8) (Scores, error) {
	if e.refClass == nil {
		return Scores{}, fmt.Errorf("score: the reference images have no labels to compare classes with")
	}
	if len(labels) != e.n {
		return Scores{}, fmt.Errorf("score: %d labels for %d images", len(labels), e.n)
	}
	emb, err := e.embedGenerated(generate)
	if err != nil {
		return Scores{}, err
	}
	s, err := e.scoreEmbedding(emb)
	if err != nil {
		return s, err
	}
	s.Class, err = e.refClass.score(emb, labels)
	return s, err
}

// ScoreImages scores the first N of a set of images (N, C, H, W) in [-1, 1]; the set must
// hold at least N.
func (e *Evaluator) ScoreImages(images *tensor.Dense) (Scores, error) {
	if images == nil || images.Dtype() != tensor.Float32 || len(images.Shape()) != 4 || images.Shape()[0] < e.n {
		return Scores{}, fmt.Errorf("score: %v images, want at least (%d, C, H, W) of float32", shapeOf(images), e.n)
	}
	if images.IsView() {
		images = images.Materialize().(*tensor.Dense)
	}
	shape := images.Shape()
	first := images.Data().([]float32)[:e.n*shape[1]*shape[2]*shape[3]] // converting only N images
	x, err := ToInput(tensor.New(tensor.WithShape(e.n, shape[1], shape[2], shape[3]), tensor.WithBacking(first)), e.ex.Input)
	if err != nil {
		return Scores{}, err
	}
	return e.scoreEmbedding(e.ex.Embed(x))
}

func shapeOf(t *tensor.Dense) string {
	if t == nil {
		return "no"
	}
	return fmt.Sprint(t.Shape())
}

// scoreEmbedding computes every metric of an embedded set against the reference.
func (e *Evaluator) scoreEmbedding(emb *Embedding) (Scores, error) {
	var s Scores
	stats, err := FitGaussian(emb.Features, FeatureSize)
	if err != nil {
		return s, err
	}
	if s.FrechetDistance, err = FrechetDistance(stats, e.refStats); err != nil {
		return s, err
	}
	if e.ex.Task == TaskClasses {
		if s.ClassifierScore, err = ClassifierScore(emb.Probs, e.ex.Classes); err != nil {
			return s, err
		}
	}
	shape, err := NewManifold(emb.Features, FeatureSize, Neighbours)
	if err != nil {
		return s, err
	}
	s.Precision, s.Recall, err = PrecisionRecall(e.refShape, shape)
	return s, err
}
