package metrics

import (
	"fmt"
	"io"
)

// Report is what gan eval prints: the yardstick, the real images and the scores, each
// generated score next to its real-versus-real floor.
type Report struct {
	Dataset            string  `json:"dataset"`
	Extractor          string  `json:"extractor"`
	ExtractorTask      string  `json:"extractor_task"` // TaskClasses or TaskRotation
	ExtractorAccuracy  float64 `json:"extractor_accuracy"`
	ExtractorTrainedOn string  `json:"extractor_trained_on"`
	ExtractorHeldOut   string  `json:"extractor_held_out"`
	N                  int     `json:"n"`
	Reference          string  `json:"reference"`
	Baseline           string  `json:"baseline"`
	Source             string  `json:"source,omitempty"`
	Generated          *Scores `json:"generated,omitempty"`
	Real               Scores  `json:"real_vs_real"`
}

// ExtractorName names the yardstick in reports, so that its numbers are not taken for the
// Inception network's.
func ExtractorName(dataset string) string {
	return fmt.Sprintf("gogan-classifier-v%d/%s", ExtractorVersion, dataset)
}

// extractorName is ExtractorName for any extractor: a folder's names its task and key.
func extractorName(e *Extractor) string {
	if e.Task == TaskRotation {
		return fmt.Sprintf("gogan-rotation-v%d/%s", ExtractorVersion, e.Dataset)
	}
	return ExtractorName(e.Dataset)
}

// Report describes the evaluator and, when generated is not nil, the scores of the images
// from source.
func (e *Evaluator) Report(generated *Scores, source string) Report {
	return Report{
		Dataset:            e.dataset,
		Extractor:          extractorName(e.ex),
		ExtractorTask:      e.ex.Task,
		ExtractorAccuracy:  e.ex.Info.Accuracy,
		ExtractorTrainedOn: e.ex.Info.TrainedOn,
		ExtractorHeldOut:   e.ex.Info.HeldOut,
		N:                  e.n,
		Reference:          e.ref,
		Baseline:           e.base,
		Source:             source,
		Generated:          generated,
		Real:               e.baseline,
	}
}

// WriteText prints the report as a table for people.
func (r Report) WriteText(w io.Writer) error {
	what := "a classifier"
	if r.ExtractorTask == TaskRotation {
		what = "a predictor of image rotations, trained without labels,"
	}
	fmt.Fprintf(w, "yardstick: %s, %s trained on %s, %.2f%% accurate on %s\n",
		r.Extractor, what, r.ExtractorTrainedOn, 100*r.ExtractorAccuracy, r.ExtractorHeldOut)
	fmt.Fprintf(w, "reference: %s\nbaseline:  %s\n", r.Reference, r.Baseline)
	if r.Source != "" {
		fmt.Fprintf(w, "generated: %d images from %s\n", r.N, r.Source)
	}
	fmt.Fprintf(w, "\n%-48s", "in the classifier's features (not Inception's)")
	if r.Generated != nil {
		fmt.Fprintf(w, "%12s", "generated")
	}
	fmt.Fprintf(w, "%14s\n", "real vs real")
	rows := []struct {
		name string
		get  func(Scores) float64
	}{
		{"Fréchet distance (lower is better)", func(s Scores) float64 { return s.FrechetDistance }},
		{"classifier score (higher is better)", func(s Scores) float64 { return s.ClassifierScore }},
		{fmt.Sprintf("precision, k=%d (higher is better)", Neighbours), func(s Scores) float64 { return s.Precision }},
		{fmt.Sprintf("recall, k=%d (higher is better)", Neighbours), func(s Scores) float64 { return s.Recall }},
	}
	if r.Generated != nil && r.Generated.Class != nil && r.Real.Class != nil {
		rows = append(rows, []struct {
			name string
			get  func(Scores) float64
		}{
			{"class accuracy (higher is better)", func(s Scores) float64 { return s.Class.Accuracy }},
			{"per-class Fréchet distance (lower is better)", func(s Scores) float64 { return s.Class.FrechetDistance }},
		}...)
	}
	if r.ExtractorTask == TaskRotation {
		rows = append(rows[:1], rows[2:]...) // no classes to score
	}
	for _, row := range rows {
		fmt.Fprintf(w, "%-48s", row.name)
		if r.Generated != nil {
			fmt.Fprintf(w, "%12.4f", row.get(*r.Generated))
		}
		if _, err := fmt.Fprintf(w, "%14.4f\n", row.get(r.Real)); err != nil {
			return err
		}
	}
	return nil
}
