package metrics

import "fmt"

// ClassScores measure how well a conditional generator makes the class it is asked for.
type ClassScores struct {
	// Accuracy is the share of images the classifier puts in their class: for generated
	// images the class asked for, for real ones their label.
	Accuracy float64 `json:"accuracy"`
	// FrechetDistance is the mean over classes of the Fréchet distance between the images of
	// a class and the reference images of that class: unlike the unconditional distance it
	// counts a generator that draws the right mixture with the classes mixed up.
	FrechetDistance float64 `json:"frechet_distance"`
}

// classReference is the reference images' feature Gaussian per class.
type classReference struct {
	classes int
	stats   []Gaussian
}

// newClassReference fits a Gaussian to the features of each class among labels.
func newClassReference(features []float32, labels []uint8, classes int) (*classReference, error) {
	c := &classReference{classes: classes, stats: make([]Gaussian, classes)}
	for k, rows := range splitByClass(features, labels, classes) {
		if len(rows) < 2*FeatureSize {
			continue // too few for a covariance, or a class the data never uses (EMNIST letters' 0)
		}
		g, err := FitGaussian(rows, FeatureSize)
		if err != nil {
			return nil, fmt.Errorf("class %d: %w", k, err)
		}
		c.stats[k] = g
	}
	return c, nil
}

// splitByClass gathers the feature rows of each class.
func splitByClass(features []float32, labels []uint8, classes int) [][]float32 {
	out := make([][]float32, classes)
	for i, l := range labels {
		out[l] = append(out[l], features[i*FeatureSize:(i+1)*FeatureSize]...)
	}
	return out
}

// score compares an embedded set whose image i is of class labels[i] with the reference.
func (c *classReference) score(emb *Embedding, labels []uint8) (*ClassScores, error) {
	if len(labels) != emb.N {
		return nil, fmt.Errorf("class scores: %d labels for %d images", len(labels), emb.N)
	}
	for i, l := range labels {
		if int(l) >= c.classes {
			return nil, fmt.Errorf("class scores: image %d of class %d, but the classifier knows %d", i, l, c.classes)
		}
	}
	s := &ClassScores{Accuracy: emb.Accuracy(labels)}
	var sum float64
	var used int
	for k, rows := range splitByClass(emb.Features, labels, c.classes) {
		if len(rows) < 2*FeatureSize || c.stats[k].Mean == nil {
			continue
		}
		g, err := FitGaussian(rows, FeatureSize)
		if err != nil {
			return nil, fmt.Errorf("class %d: %w", k, err)
		}
		d, err := FrechetDistance(g, c.stats[k])
		if err != nil {
			return nil, err
		}
		sum += d
		used++
	}
	if used == 0 {
		return nil, fmt.Errorf("class scores: no class has two images in both sets; raise --n")
	}
	s.FrechetDistance = sum / float64(used)
	return s, nil
}
