package nn

import (
	"fmt"
	"strings"
)

// Objective is a GAN training objective, written as loss terms on the discriminator's logits
// so that every objective is numerically stable for logits of any size.
type Objective int

// The objectives.
const (
	// NonSaturating: D minimises −log D(x) − log(1−D(G(z))); G minimises −log D(G(z)), the
	// variant the GAN paper recommends in practice because its gradient does not vanish early.
	NonSaturating Objective = iota
	// Minimax: the game of the GAN paper; G minimises log(1−D(G(z))).
	Minimax
	// LeastSquares (LSGAN): D minimises ½(D(x)−1)² + ½D(G(z))²; G minimises ½(D(G(z))−1)².
	LeastSquares
	// Hinge: D minimises max(0, 1−D(x)) + max(0, 1+D(G(z))); G minimises −D(G(z)).
	Hinge
	// Wasserstein (WGAN): the critic minimises D(G(z)) − D(x); G minimises −D(G(z)). The
	// critic's weights are clipped by the optimiser (see Optimizer.Clip).
	Wasserstein
)

var objectiveNames = []string{"nonsaturating", "minimax", "lsgan", "hinge", "wgan"}

func (o Objective) String() string {
	if int(o) < len(objectiveNames) {
		return objectiveNames[o]
	}
	return fmt.Sprintf("Objective(%d)", int(o))
}

// ParseObjective reads an objective's name as the command line spells it.
func ParseObjective(s string) (Objective, error) {
	for i, n := range objectiveNames {
		if strings.EqualFold(s, n) {
			return Objective(i), nil
		}
	}
	return 0, fmt.Errorf("unknown loss %q (want one of %s)", s, strings.Join(objectiveNames, ", "))
}

// DiscriminatorTerms are the terms D's loss applies to the logits of real and fake samples;
// D's loss is the sum of their batch means.
func (o Objective) DiscriminatorTerms() (real, fake LossTerm) {
	switch o {
	case LeastSquares:
		return TermSquareOne, TermSquareZero
	case Hinge:
		return TermHingeOne, TermHingeNegOne
	case Wasserstein:
		return TermNeg, TermIdentity
	default:
		return TermSoftplusNeg, TermSoftplus
	}
}

// GeneratorTerm is the term G's loss applies to the logits of fake samples.
func (o Objective) GeneratorTerm() LossTerm {
	switch o {
	case Minimax:
		return TermNegSoftplus
	case LeastSquares:
		return TermSquareOne
	case Hinge, Wasserstein:
		return TermNeg
	default:
		return TermSoftplusNeg
	}
}
