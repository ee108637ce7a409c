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

// TestRecordOptimiserChange: no change leaves no history; the first change records the
// settings before it from step 0; a second change at the same step replaces the last entry.
func TestRecordOptimiserChange(t *testing.T) {
	was := Config{LR: 2e-4, Beta1: 0.5, Beta2: 0.999}
	c := was
	c.recordOptimiserChange(was, 10)
	if len(c.OptimiserHistory) != 0 {
		t.Fatalf("history %+v without a change", c.OptimiserHistory)
	}
	lrG := float32(1e-4)
	c.LRG = &lrG
	c.recordOptimiserChange(was, 10)
	if h := c.OptimiserHistory; len(h) != 2 || h[0].FromStep != 0 || h[0].LRG != 2e-4 || h[1].FromStep != 10 || h[1].LRG != 1e-4 || h[1].LRD != 2e-4 {
		t.Fatalf("history %+v after lowering lr-g at step 10", h)
	}
	again := c
	lrD := float32(3e-4)
	again.LRD = &lrD
	again.recordOptimiserChange(c, 10)
	if h := again.OptimiserHistory; len(h) != 2 || h[1].LRD != 3e-4 || h[1].LRG != 1e-4 {
		t.Fatalf("history %+v after a second change at step 10", h)
	}
	if len(c.OptimiserHistory) != 2 || c.OptimiserHistory[1].LRD != 2e-4 {
		t.Errorf("recording into a copy changed the original's history: %+v", c.OptimiserHistory)
	}
}
