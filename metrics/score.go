package metrics

import (
	"fmt"
	"math"
)

// ClassifierScore is exp E_x[KL(p(y|x) ‖ p(y))], the analogue of the Inception score with the
// extractor's classifier: high when each image is confidently one class and the classes are
// evenly used. It lies between 1 and the number of classes. probs holds n rows of classes
// probabilities; p(y) is their mean.
func ClassifierScore(probs []float64, classes int) (float64, error) {
	if classes < 1 || len(probs)%classes != 0 || len(probs) == 0 {
		return 0, fmt.Errorf("classifier score: %d probabilities are not rows of %d classes", len(probs), classes)
	}
	n := len(probs) / classes
	marginal := make([]float64, classes)
	for i := 0; i < n; i++ {
		for j, p := range probs[i*classes : (i+1)*classes] {
			marginal[j] += p / float64(n)
		}
	}
	var kl float64
	for i := 0; i < n; i++ {
		for j, p := range probs[i*classes : (i+1)*classes] {
			if p > 0 { // 0·log 0 = 0
				kl += p * math.Log(p/marginal[j])
			}
		}
	}
	return math.Exp(kl / float64(n)), nil
}
