package train

import (
	"fmt"
	"math"

	"gogan/nn"
)

// Hyper are the optimisation settings of a GAN.
type Hyper struct {
	Objective nn.Objective
	G, D      Adam    // each network's optimiser: the same, or two time scales (TTUR)
	DSteps    int     // discriminator updates per generator update (k of the GAN paper)
	Clip      float32 // WGAN weight clipping of the critic; 0 for none
}

// Adam are the settings of one network's Adam optimiser.
type Adam struct {
	LR, Beta1, Beta2 float32
}

// DefaultHyper are the settings of Radford et al.
func DefaultHyper() Hyper {
	adam := Adam{LR: 2e-4, Beta1: 0.5, Beta2: 0.999}
	return Hyper{Objective: nn.NonSaturating, G: adam, D: adam, DSteps: 1}
}

// Validate checks the settings.
func (h Hyper) Validate() error {
	for _, a := range []Adam{h.G, h.D} {
		if err := a.Validate(); err != nil {
			return err
		}
	}
	if h.DSteps < 1 {
		return fmt.Errorf("d-steps %d must be at least 1", h.DSteps)
	}
	if !(h.Clip >= 0) || math.IsInf(float64(h.Clip), 0) {
		return fmt.Errorf("clip %g must be a finite number, not negative", h.Clip)
	}
	return nil
}

// Validate checks one optimiser's settings.
func (a Adam) Validate() error {
	if !(a.LR > 0) || math.IsInf(float64(a.LR), 0) {
		return fmt.Errorf("learning rate %g must be positive", a.LR)
	}
	if !(a.Beta1 >= 0 && a.Beta1 < 1 && a.Beta2 >= 0 && a.Beta2 < 1) {
		return fmt.Errorf("betas %g, %g must lie in [0, 1)", a.Beta1, a.Beta2)
	}
	return nil
}
