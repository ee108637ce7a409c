package run

import (
	"testing"

	"gogan/train"
)

// TestOldConfigReadsOneOptimiser: a configuration written before G and D could have their
// own settings gives both networks its lr and betas.
func TestOldConfigReadsOneOptimiser(t *testing.T) {
	c, err := UnmarshalConfig(`{"dataset": "mnist", "lr": 0.001, "beta1": 0.25, "beta2": 0.9, "batch_size": 8}`)
	if err != nil {
		t.Fatal(err)
	}
	g, d := c.Optimisers()
	want := train.Adam{LR: 0.001, Beta1: 0.25, Beta2: 0.9}
	if g != want || d != want {
		t.Errorf("G %+v, D %+v, want both %+v", g, d, want)
	}
}

// TestRecordSettingsChange: no change leaves no history; the first change records the
// settings before it from step 0; a second change at the same step replaces the last entry.
func TestRecordSettingsChange(t *testing.T) {
	was := Config{LR: 2e-4, Beta1: 0.5, Beta2: 0.999}
	c := was
	c.recordSettingsChange(was, 10)
	if len(c.SettingsHistory) != 0 {
		t.Fatalf("history %+v without a change", c.SettingsHistory)
	}
	lrG := float32(1e-4)
	c.LRG = &lrG
	c.recordSettingsChange(was, 10)
	if h := c.SettingsHistory; len(h) != 2 || h[0].FromStep != 0 || h[0].LRG != 2e-4 || h[1].FromStep != 10 || h[1].LRG != 1e-4 || h[1].LRD != 2e-4 {
		t.Fatalf("history %+v after lowering lr-g at step 10", h)
	}
	again := c
	lrD := float32(3e-4)
	again.LRD = &lrD
	again.recordSettingsChange(c, 10)
	if h := again.SettingsHistory; len(h) != 2 || h[1].LRD != 3e-4 || h[1].LRG != 1e-4 {
		t.Fatalf("history %+v after a second change at step 10", h)
	}
	if len(c.SettingsHistory) != 2 || c.SettingsHistory[1].LRD != 2e-4 {
		t.Errorf("recording into a copy changed the original's history: %+v", c.SettingsHistory)
	}
}

// TestRecordAugmentChange: turning the augmentation on or the flips off at a resume is a
// change of the history; spelling the same policy another way ("" for none, another order)
// is not.
func TestRecordAugmentChange(t *testing.T) {
	was := Config{LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Mirror: true}
	same := was
	same.Augment = "none"
	same.recordSettingsChange(was, 5)
	if len(same.SettingsHistory) != 0 {
		t.Fatalf("history %+v for none spelt two ways", same.SettingsHistory)
	}
	c := was
	c.Augment, c.Mirror = "cutout,translation", false
	c.recordSettingsChange(was, 5)
	h := c.SettingsHistory
	if len(h) != 2 || h[0].Augment != "" || !h[0].Mirror || h[1].FromStep != 5 || h[1].Augment != "translation,cutout" || h[1].Mirror {
		t.Fatalf("history %+v after --augment cutout,translation and no mirror at step 5", h)
	}
	reordered := c
	reordered.Augment = "translation,cutout"
	reordered.recordSettingsChange(c, 9)
	if len(reordered.SettingsHistory) != 2 {
		t.Errorf("history %+v for the same policy in another order", reordered.SettingsHistory)
	}
}
