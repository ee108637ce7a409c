package run

import (
	"gogan/nn"
	"gogan/train"
)

// SettingsSpan is one entry of a configuration's SettingsHistory: the settings that may
// change on resume and change the training (the optimisers and the augmentation), in force
// from generator step FromStep until the next entry's.
type SettingsSpan struct {
	FromStep int     `json:"from_step"`
	LRG      float32 `json:"lr_g"`
	LRD      float32 `json:"lr_d"`
	Beta1G   float32 `json:"beta1_g"`
	Beta1D   float32 `json:"beta1_d"`
	Beta2G   float32 `json:"beta2_g"`
	Beta2D   float32 `json:"beta2_d"`
	Augment  string  `json:"augment,omitempty"`
	Mirror   bool    `json:"mirror,omitempty"`
}

// Optimisers are the Adam settings of G and of D: each network's own where given, else the
// shared LR, Beta1 and Beta2 (always so in checkpoints written before they could differ).
func (c Config) Optimisers() (g, d train.Adam) {
	or := func(own *float32, both float32) float32 {
		if own != nil {
			return *own
		}
		return both
	}
	g = train.Adam{LR: or(c.LRG, c.LR), Beta1: or(c.Beta1G, c.Beta1), Beta2: or(c.Beta2G, c.Beta2)}
	d = train.Adam{LR: or(c.LRD, c.LR), Beta1: or(c.Beta1D, c.Beta1), Beta2: or(c.Beta2D, c.Beta2)}
	return g, d
}

// settingsSpan is the settings of c in force from step on.
func (c Config) settingsSpan(step int) SettingsSpan {
	g, d := c.Optimisers()
	return SettingsSpan{FromStep: step, LRG: g.LR, LRD: d.LR, Beta1G: g.Beta1, Beta1D: d.Beta1, Beta2G: g.Beta2, Beta2D: d.Beta2,
		Augment: augmentName(c.Augment), Mirror: c.Mirror}
}

// recordSettingsChange adds to c's history the change of settings from was, the
// configuration of the checkpoint resumed at step. The first change also records the settings
// that held from step 0; a change at the step of the last entry replaces that entry.
func (c *Config) recordSettingsChange(was Config, step int) {
	before, now := was.settingsSpan(0), c.settingsSpan(step)
	if last := len(c.SettingsHistory) - 1; last >= 0 {
		before = c.SettingsHistory[last]
	}
	if settingsOf(before) == settingsOf(now) {
		return
	}
	h := append([]SettingsSpan(nil), c.SettingsHistory...)
	if len(h) == 0 {
		h = append(h, before)
	}
	if h[len(h)-1].FromStep == step {
		h = h[:len(h)-1]
	}
	c.SettingsHistory = append(h, now)
}

// augmentName spells a policy as ParseAugmentPolicy's String does, and none (also spelt "",
// as in checkpoints from before the choice) as "", which the history leaves out: spellings
// of one policy compare equal.
func augmentName(policy string) string {
	p, err := nn.ParseAugmentPolicy(policy)
	if err != nil {
		return policy // Validate refuses it before a history is recorded
	}
	if !p.Enabled() {
		return ""
	}
	return p.String()
}

// settingsOf is a span without its step, for comparing settings.
func settingsOf(s SettingsSpan) SettingsSpan {
	s.FromStep = 0
	return s
}
