package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"gogan/data"
	"gogan/nn"
)

// Part is a subset of a labelled dataset: the images at Index, described in words.
type Part struct {
	Data  *data.Dataset
	Index []int
	What  string // such as "Fashion-MNIST train (60000 images)"
}

// Len is the number of images in the part.
func (p Part) Len() int { return len(p.Index) }

// whole is every image of a dataset, in order.
func whole(ds *data.Dataset) Part {
	idx := make([]int, ds.Len())
	for i := range idx {
		idx[i] = i
	}
	return Part{Data: ds, Index: idx, What: fmt.Sprintf("%s (%d images)", ds.Name, ds.Len())}
}

// slice is part of p: the images from lo to hi of its order, with a new description.
func (p Part) slice(lo, hi int, what string) Part {
	return Part{Data: p.Data, Index: p.Index[lo:hi:hi], What: what}
}

// heldOutFraction is the share of a lone test split kept out of the extractor's training to
// measure its accuracy.
const heldOutFraction = 0.2

// Recipe is how an extractor is trained: Adam on softmax cross-entropy. Training sets smaller
// than ShiftBelow images are augmented with shifts of up to Shift pixels, which stand in for
// the data a lone test split lacks; on a full training split they only slow learning down.
type Recipe struct {
	Images     int // training images to show in all, rounded up to whole epochs
	MinEpochs  int
	BatchSize  int
	LR         float32 // Adam's, decayed linearly to a tenth over the run
	Shift      int
	ShiftBelow int
	Seed       uint64
}

// DefaultRecipe is the recipe of ExtractorVersion: four epochs of a 60000-image training
// split, twenty-five of the 8000 images of a lone MNIST-sized test split; under two minutes
// on two cores either way.
var DefaultRecipe = Recipe{Images: 200000, MinEpochs: 3, BatchSize: 64, LR: 1e-3, Shift: 2, ShiftBelow: 20000, Seed: 1}

// Train makes an extractor for the labelled dataset that train and held belong to: it learns
// from train and its accuracy is measured on held. Progress goes to log, one line per few
// hundred steps.
func Train(b nn.Backend, dataset string, train, held Part, r Recipe, log io.Writer) (*Extractor, error) {
	return trainExtractor(context.Background(), b, dataset, CatalogInput, TaskClasses, train, held, r, log)
}

// trainExtractor makes an extractor of images in for task from train, and measures its
// accuracy at the task on held. Cancelling ctx stops the training within a step, with an
// error that wraps the context's cause.
func trainExtractor(ctx context.Context, b nn.Backend, dataset string, in Input, task string, train, held Part, r Recipe, log io.Writer) (*Extractor, error) {
	if train.Len() < r.BatchSize || held.Len() == 0 {
		return nil, fmt.Errorf("extractor for %s: %d training and %d held-out images are too few (batch size %d)",
			dataset, train.Len(), held.Len(), r.BatchSize)
	}
	if err := checkImages(train.Data, in, task); err != nil {
		return nil, err
	}
	classes := rotations
	if task == TaskClasses {
		classes = train.Data.Classes
	}
	e, err := newExtractor(b, dataset, in, task, classes, r.BatchSize, r.Seed)
	if err != nil {
		return nil, err
	}
	epochs := max(r.MinEpochs, (r.Images+train.Len()-1)/train.Len())
	start := time.Now()
	if err := e.fit(ctx, train, r, epochs, log); err != nil {
		return nil, err
	}
	e.Info = TrainInfo{TrainedOn: train.What, HeldOut: held.What, Epochs: epochs, Seed: r.Seed}
	if task == TaskRotation {
		x, y := rotateAll(images(held), in)
		e.Info.Accuracy = e.Embed(x).Accuracy(y)
	} else {
		e.Info.Accuracy = e.Embed(images(held)).Accuracy(labels(held))
	}
	fmt.Fprintf(log, "extractor for %s: %.2f%% accuracy (%s) on %s after %d epochs on %s (%s)\n",
		dataset, 100*e.Info.Accuracy, task, held.What, epochs, train.What, time.Since(start).Round(time.Second))
	return e, nil
}

// checkImages refuses datasets an extractor of images in for task cannot learn from.
func checkImages(ds *data.Dataset, in Input, task string) error {
	if c, h, w := ds.Shape(); c != in.Channels || h != in.Side || w != in.Side {
		return fmt.Errorf("%s has %d×%d×%d images; the extractor reads %d×%d×%d", ds.Name, c, h, w, in.Channels, in.Side, in.Side)
	}
	if task == TaskClasses && (ds.Labels == nil || ds.Classes < 2) {
		return fmt.Errorf("%s has no labels; the extractor is a classifier and needs them", ds.Name)
	}
	return nil
}

// fit trains both networks for the given number of epochs over train, in seeded orders.
func (e *Extractor) fit(ctx context.Context, train Part, r Recipe, epochs int, log io.Writer) error {
	st, err := e.newStepper(r.BatchSize, r.LR)
	if err != nil {
		return err
	}
	shift := rand.New(rand.NewPCG(r.Seed, 0x7368696674)) // "shift"
	maxShift := r.Shift
	if train.Len() >= r.ShiftBelow {
		maxShift = 0
	}
	perEpoch := train.Len() / r.BatchSize
	total, step := epochs*perEpoch, 0
	var lossSum float64
	var lossSteps int
	idx := make([]int, r.BatchSize)
	batchLabels := make([]uint8, r.BatchSize)
	for epoch := 0; epoch < epochs; epoch++ {
		order := data.Permutation(train.Len(), r.Seed, uint64(epoch))
		for i := 0; i < perEpoch; i++ {
			if ctx.Err() != nil {
				return fmt.Errorf("extractor training stopped at step %d of %d, nothing cached: %w", step, total, context.Cause(ctx))
			}
			for j := range idx {
				idx[j] = train.Index[order[i*r.BatchSize+j]]
			}
			batch := train.Data.Batch(idx).Data().([]float32)
			shiftImages(batch, e.Input, maxShift, shift)
			if e.Task == TaskRotation {
				rotateBatch(batch, batchLabels, e.Input, shift)
			} else {
				for j, k := range idx {
					batchLabels[j] = train.Data.Labels[k]
				}
			}
			lr := r.LR * float32(1-0.9*float64(step)/float64(total))
			lossSum += st.step(batch, batchLabels, lr)
			step, lossSteps = step+1, lossSteps+1
			if step%200 == 0 || step == total {
				fmt.Fprintf(log, "extractor: epoch %d/%d step %d/%d loss %.4f\n", epoch+1, epochs, step, total, lossSum/float64(lossSteps))
				lossSum, lossSteps = 0, 0
			}
		}
	}
	return e.body.Backend().Sync()
}

// stepper holds what a training step needs besides the networks.
type stepper struct {
	e                *Extractor
	optBody, optHead *nn.Optimizer
	x, dlogits       *nn.Tensor // (N, C, S, S) and (N, classes)
	logits, grad     []float32  // host copies of the logits and their gradient, (N, classes)
}

func (e *Extractor) newStepper(batch int, lr float32) (*stepper, error) {
	optBody, err := nn.NewAdam(e.body, lr, 0.9, 0.999, 0)
	if err != nil {
		return nil, err
	}
	optHead, err := nn.NewAdam(e.head, lr, 0.9, 0.999, 0)
	if err != nil {
		return nil, err
	}
	b := e.body.Backend()
	return &stepper{e: e, optBody: optBody, optHead: optHead,
		x: b.New(batch, e.Input.Channels, e.Input.Side, e.Input.Side), dlogits: b.New(batch, e.Classes),
		logits: make([]float32, batch*e.Classes), grad: make([]float32, batch*e.Classes)}, nil
}

// step makes one Adam update at learning rate lr on a full batch of images (N, C, S, S) with
// these labels, one per image, and returns the batch's loss.
func (s *stepper) step(batch []float32, labels []uint8, lr float32) float64 {
	e, b := s.e, s.e.body.Backend()
	b.Upload(s.x, batch)
	s.optBody.Adam.LR, s.optHead.Adam.LR = lr, lr
	feats := e.body.Forward(s.x, true)
	b.Download(s.logits, e.head.Forward(feats, true))
	loss := crossEntropy(s.grad, s.logits, labels, e.Classes)
	b.Upload(s.dlogits, s.grad)
	e.body.ZeroGrad()
	e.head.ZeroGrad()
	e.body.Backward(e.head.Backward(s.dlogits, true), false)
	s.optBody.Step()
	s.optHead.Step()
	return loss
}

// crossEntropy returns the mean softmax cross-entropy of a batch of logits (N, classes)
// against their labels (N), and writes its gradient with respect to the
// logits, (softmax − one-hot)/N, to grad. It runs on the host in float64: the engine has no
// softmax op, and a classifier trained once does not need one.
func crossEntropy(grad, logits []float32, labels []uint8, classes int) float64 {
	n := len(labels)
	p := make([]float64, classes)
	var loss float64
	for i := 0; i < n; i++ {
		softmax(p, logits[i*classes:(i+1)*classes])
		y := int(labels[i])
		loss -= math.Log(math.Max(p[y], 1e-300))
		for j := range p {
			g := p[j]
			if j == y {
				g--
			}
			grad[i*classes+j] = float32(g / float64(n))
		}
	}
	return loss / float64(n)
}

// shiftImages moves each image (C, S, S) of batch by up to max pixels along each axis,
// filling with the background value −1.
func shiftImages(batch []float32, in Input, maxShift int, rng *rand.Rand) {
	if maxShift == 0 {
		return
	}
	side, per := in.Side, in.Size()
	tmp := make([]float32, per)
	for lo := 0; lo < len(batch); lo += per {
		img := batch[lo : lo+per]
		dx, dy := rng.IntN(2*maxShift+1)-maxShift, rng.IntN(2*maxShift+1)-maxShift
		for p := 0; p < per; p += side * side {
			for y := 0; y < side; y++ {
				for x := 0; x < side; x++ {
					sx, sy := x-dx, y-dy
					if sx < 0 || sy < 0 || sx >= side || sy >= side {
						tmp[p+y*side+x] = -1
					} else {
						tmp[p+y*side+x] = img[p+sy*side+sx]
					}
				}
			}
		}
		copy(img, tmp)
	}
}

// images returns the images of a part as one (N, C, H, W) slice in [-1, 1].
func images(p Part) []float32 {
	return p.Data.Batch(p.Index).Data().([]float32)
}

// labels returns the labels of a part's images, in its order.
func labels(p Part) []uint8 {
	out := make([]uint8, p.Len())
	for i, j := range p.Index {
		out[i] = p.Data.Labels[j]
	}
	return out
}

// isMissing reports whether data.Open failed because a split's files are absent, as opposed
// to present but unreadable.
func isMissing(err error) bool { return errors.Is(err, data.ErrNotFound) }
