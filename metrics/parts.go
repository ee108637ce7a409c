package metrics

import (
	"fmt"
	"strings"

	"gogan/data"
)

// splits are a labelled dataset's two splits; one of them may be absent (nil).
type splits struct {
	train, test *data.Dataset
}

// openSplits opens both splits of a catalog dataset as 28×28 gray images; a split whose
// files are absent is left nil, but at least one must be present, and one that is present
// but unreadable is an error.
func openSplits(dataset, dir string) (splits, error) {
	var s splits
	if _, ok := data.Catalog[dataset]; !ok {
		return s, fmt.Errorf("%q is not a catalog dataset (want one of %s): the metrics need labelled images to train their classifier on", dataset, strings.Join(data.Names(), ", "))
	}
	var errTrain error
	for _, sp := range []struct {
		name string
		dst  **data.Dataset
	}{{"train", &s.train}, {"test", &s.test}} {
		ds, err := data.Open(data.Spec{Name: dataset, Dir: dir, Split: sp.name, ImageSize: ImageSide, Channels: 1})
		switch {
		case err == nil:
			if err := checkImages(ds, CatalogInput, TaskClasses); err != nil {
				return s, err
			}
			*sp.dst = ds
		case !isMissing(err):
			return s, err
		case sp.name == "train":
			errTrain = err
		case s.train == nil:
			return s, errTrain
		}
	}
	return s, nil
}

// halves splits a lone split in a seeded order into a first part of the given share and the
// rest.
func halves(ds *data.Dataset, seed uint64, share float64, first, second string) (Part, Part) {
	p := whole(ds)
	p.Index = data.Permutation(ds.Len(), seed, 0)
	cut := int(float64(ds.Len()) * share)
	return p.slice(0, cut, fmt.Sprintf("%d images of %s (%s)", cut, ds.Name, first)),
		p.slice(cut, ds.Len(), fmt.Sprintf("%d other images of %s (%s)", ds.Len()-cut, ds.Name, second))
}

// TrainingParts are the images a dataset's extractor learns from and those its accuracy is
// measured on: the training and test splits, or, where only one split is present, a seeded
// 80/20 division of it, which the descriptions say.
func TrainingParts(dataset, dir string) (train, held Part, err error) {
	s, err := openSplits(dataset, dir)
	if err != nil {
		return Part{}, Part{}, err
	}
	switch {
	case s.train != nil && s.test != nil:
		return whole(s.train), whole(s.test), nil
	case s.train != nil:
		train, held = halves(s.train, DefaultRecipe.Seed, 1-heldOutFraction, "no test split here", "held out")
	default:
		train, held = halves(s.test, DefaultRecipe.Seed, 1-heldOutFraction, "no training split here", "held out")
	}
	return train, held, nil
}

// RealParts are the real images an Evaluator compares with: the reference, n images of the
// split the generator learnt from ("" means train, or test when there is no training split),
// and the baseline, n images of the other split, or, where only one split is present, the
// two halves of it. n is cut down to what both parts can hold.
func RealParts(dataset, dir, split string, n int, seed uint64) (ref, base Part, err error) {
	s, err := openSplits(dataset, dir)
	if err != nil {
		return Part{}, Part{}, err
	}
	refDS, other := s.train, s.test
	switch split {
	case "", "train":
		if refDS == nil && split == "" {
			refDS, other = s.test, nil
		}
	case "test":
		refDS, other = s.test, s.train
	default:
		return Part{}, Part{}, fmt.Errorf("split must be train or test, not %q", split)
	}
	if refDS == nil {
		return Part{}, Part{}, fmt.Errorf("%s has no %s split here to compare with", dataset, split)
	}
	if other == nil {
		ref, base = halves(refDS, seed, 0.5, "reference half", "baseline half")
	} else {
		ref, base = whole(refDS), whole(other)
		ref.Index = data.Permutation(refDS.Len(), seed, 0)
		base.Index = data.Permutation(other.Len(), seed, 1)
	}
	n = min(n, ref.Len(), base.Len())
	if n <= Neighbours {
		return Part{}, Part{}, fmt.Errorf("%d images per set; the metrics need at least %d", n, Neighbours+1)
	}
	ref = ref.slice(0, n, fmt.Sprintf("%d images of %s", n, refDS.Name))
	if other == nil {
		base = base.slice(0, n, fmt.Sprintf("%d other images of %s", n, refDS.Name))
	} else {
		base = base.slice(0, n, fmt.Sprintf("%d images of %s", n, other.Name))
	}
	return ref, base, nil
}
