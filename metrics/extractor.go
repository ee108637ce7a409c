package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gogan/nn"
)

// ExtractorVersion is part of the cache key. It changes whenever the architecture, the
// training recipe or the data it is trained on changes, so that numbers from different
// yardsticks are never mixed up.
const ExtractorVersion = 1

// FeatureSize is the length of the penultimate feature vector the metrics compare.
const FeatureSize = 128

// ImageSide is the side of the single-channel images a catalog dataset's extractor reads;
// other sizes are resampled to it (see Gray28).
const ImageSide = 28

// FolderSide is the side of the colour images an image folder's extractor reads (see
// FolderInput and the package doc).
const FolderSide = 32

// Input is the shape of the images an extractor reads: Channels planes of Side×Side.
type Input struct{ Channels, Side int }

// Size is the number of values of one image.
func (in Input) Size() int { return in.Channels * in.Side * in.Side }

func (in Input) String() string { return fmt.Sprintf("%dx%dx%d", in.Channels, in.Side, in.Side) }

// CatalogInput is what the extractors of catalog datasets read; FolderInput what those of
// image folders read.
var (
	CatalogInput = Input{1, ImageSide}
	FolderInput  = Input{3, FolderSide}
)

// What an extractor's head is trained to predict.
const (
	TaskClasses  = "classes"  // the dataset's labels
	TaskRotation = "rotation" // which of 0, 90, 180 or 270 degrees an image was turned by
)

// embedChunk bounds the batch of a forward pass, and so the memory of the activations,
// however many images are embedded.
const embedChunk = 256

// Extractor is a classifier whose penultimate activations serve as features: of a dataset's
// classes, or, for an unlabelled folder, of the rotation of its images. It is two networks:
// the body maps images (N, C, S, S) to features (N, FeatureSize), the head maps features to
// logits (N, classes); the split gives the features without a hook into a network's middle.
type Extractor struct {
	Dataset string // catalog name of the dataset it classifies, or a folder's key (FolderKey)
	Classes int
	Input   Input
	Task    string // TaskClasses or TaskRotation
	Info    TrainInfo

	body, head *nn.Network
}

// TrainInfo says how an extractor was made and how well it classifies.
type TrainInfo struct {
	TrainedOn string  // the images it learnt from, in words
	HeldOut   string  // the images its accuracy is measured on, in words
	Accuracy  float64 // on the held-out images, in [0, 1]
	Epochs    int
	Seed      uint64
}

// bodyLayers is a LeNet-like network with strided convolutions in place of pooling, which the
// engine does not have, and BatchNorm, which gets it to its accuracy within a few epochs:
//
//	(1, 28, 28) → conv 4×4 /2 → (32, 14, 14) → conv 4×4 /2 → (64, 7, 7) → linear → (128)
//	(3, 32, 32) → conv 4×4 /2 → (32, 16, 16) → conv 4×4 /2 → (64, 8, 8) → linear → (128)
func bodyLayers(in Input) []nn.Layer {
	conv := func(in, out, k, s, p int) nn.Layer {
		return &nn.Conv2d{In: in, Out: out, ConvParams: nn.ConvParams{Kernel: k, Stride: s, Pad: p}} // BatchNorm follows: no bias
	}
	return []nn.Layer{
		conv(in.Channels, 32, 4, 2, 1), &nn.BatchNorm{Channels: 32}, nn.NewReLU(),
		conv(32, 64, 4, 2, 1), &nn.BatchNorm{Channels: 64}, nn.NewReLU(),
		nn.NewFlatten(),
		&nn.Linear{In: 64 * (in.Side / 4) * (in.Side / 4), Out: FeatureSize, Bias: true}, nn.NewReLU(),
	}
}

// newExtractor builds an untrained extractor of images in for batches of up to capacity
// images, with PyTorch's default initialisation drawn from seed.
func newExtractor(b nn.Backend, dataset string, in Input, task string, classes, capacity int, seed uint64) (*Extractor, error) {
	if classes < 2 {
		return nil, fmt.Errorf("extractor for %s: %d classes, want at least 2", dataset, classes)
	}
	if in != CatalogInput && in != FolderInput {
		return nil, fmt.Errorf("extractor for %s: input %s, want %s or %s", dataset, in, CatalogInput, FolderInput)
	}
	if task != TaskClasses && task != TaskRotation {
		return nil, fmt.Errorf("extractor for %s: task %q, want %s or %s", dataset, task, TaskClasses, TaskRotation)
	}
	rng := rand.New(rand.NewPCG(seed, 0x65787472)) // "extr": a stream of its own
	body, err := nn.NewNetwork(b, nn.Shape{in.Channels, in.Side, in.Side}, capacity, rng, bodyLayers(in)...)
	if err != nil {
		return nil, fmt.Errorf("extractor body: %w", err)
	}
	head, err := nn.NewNetwork(b, nn.Shape{FeatureSize}, capacity, rng, &nn.Linear{In: FeatureSize, Out: classes, Bias: true})
	if err != nil {
		return nil, fmt.Errorf("extractor head: %w", err)
	}
	return &Extractor{Dataset: dataset, Classes: classes, Input: in, Task: task, body: body, head: head}, nil
}

// Embedding is what the extractor sees in a set of images.
type Embedding struct {
	N        int
	Features []float32 // (N, FeatureSize): the penultimate activations
	Probs    []float64 // (N, classes): the classifier's softmax
}

// Embed runs the extractor in evaluation mode on images (N, C, S, S) of its Input in [-1, 1],
// given as one flat slice, in chunks.
func (e *Extractor) Embed(images []float32) *Embedding {
	per := e.Input.Size()
	n := len(images) / per
	if n*per != len(images) {
		panic(fmt.Sprintf("metrics: %d values are not whole %s images", len(images), e.Input))
	}
	out := &Embedding{N: n, Features: make([]float32, n*FeatureSize), Probs: make([]float64, n*e.Classes)}
	if n == 0 {
		return out
	}
	b := e.body.Backend()
	chunk := min(n, embedChunk)
	if err := e.body.Reserve(chunk); err != nil {
		panic(err) // chunk ≥ 1
	}
	if err := e.head.Reserve(chunk); err != nil {
		panic(err)
	}
	x := b.New(chunk, e.Input.Channels, e.Input.Side, e.Input.Side)
	defer b.Free(x)
	logits := make([]float32, chunk*e.Classes)
	for lo := 0; lo < n; lo += chunk {
		k := min(chunk, n-lo)
		xb := x.Batch(k)
		b.Upload(xb, images[lo*per:(lo+k)*per])
		feats := e.body.Forward(xb, false)
		b.Download(out.Features[lo*FeatureSize:(lo+k)*FeatureSize], feats)
		b.Download(logits[:k*e.Classes], e.head.Forward(feats, false))
		for i := 0; i < k; i++ {
			softmax(out.Probs[(lo+i)*e.Classes:(lo+i+1)*e.Classes], logits[i*e.Classes:(i+1)*e.Classes])
		}
	}
	return out
}

// softmax writes the softmax of logits to p, in float64 and shifted by the maximum so that
// no logit overflows.
func softmax(p []float64, logits []float32) {
	hi := math.Inf(-1)
	for _, v := range logits {
		hi = math.Max(hi, float64(v))
	}
	var sum float64
	for j, v := range logits {
		p[j] = math.Exp(float64(v) - hi)
		sum += p[j]
	}
	for j := range p {
		p[j] /= sum
	}
}

// Accuracy is the fraction of images whose most probable class is their label.
func (m *Embedding) Accuracy(labels []uint8) float64 {
	if m.N == 0 {
		return 0
	}
	classes := len(m.Probs) / m.N
	right := 0
	for i := 0; i < m.N; i++ {
		p := m.Probs[i*classes : (i+1)*classes]
		best := 0
		for j := range p {
			if p[j] > p[best] {
				best = j
			}
		}
		if best == int(labels[i]) {
			right++
		}
	}
	return float64(right) / float64(m.N)
}
