package run

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"gogan/cpu"
	"gogan/train"
)

// TestCheckpointStreams: a checkpoint keeps where each of the run's random streams stands,
// and one written before the augmentation's and the flips' streams existed (only z_rng)
// loads with those two at their streams' beginning, so that such a run resumes, and may turn
// augmentation on.
func TestCheckpointStreams(t *testing.T) {
	cfg := Config{Dataset: "mnist", Split: "train", Arch: "dcgan28", NZ: 4, NGF: 2, NDF: 2, NC: 1, BatchSize: 4,
		ImageSize: 28, Steps: 10, LR: 2e-4, Beta1: 0.5, Beta2: 0.999, Loss: "nonsaturating", DSteps: 1, Seed: 5, Keep: 1}
	gan, err := BuildGAN(cfg, cpu.New())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	advanced := NewProgress(cfg.Seed)
	for _, src := range []*rand.PCG{advanced.ZRNG, advanced.AugmentRNG, advanced.MirrorRNG} {
		for range 3 {
			src.Uint64()
		}
	}
	old := Progress{Step: 2, ZRNG: rand.NewPCG(1, 2)} // as before the augmentation
	for _, c := range []struct {
		name string
		p    Progress
		want Progress
	}{{"current", advanced, advanced}, {"old", old, Progress{ZRNG: old.ZRNG, AugmentRNG: rand.NewPCG(cfg.Seed, train.StreamAugment),
		MirrorRNG: rand.NewPCG(cfg.Seed, train.StreamMirror)}}} {
		path := filepath.Join(dir, c.name+".safetensors")
		if err := SaveCheckpoint(path, gan, c.p, cfg); err != nil {
			t.Fatal(err)
		}
		ck, err := LoadCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		got := ck.Progress
		for _, s := range []struct {
			name      string
			got, want *rand.PCG
		}{{"z", got.ZRNG, c.want.ZRNG}, {"augment", got.AugmentRNG, c.want.AugmentRNG}, {"mirror", got.MirrorRNG, c.want.MirrorRNG}} {
			if s.got == nil {
				t.Errorf("%s checkpoint: no %s generator", c.name, s.name)
				continue
			}
			if g, w := s.got.Uint64(), s.want.Uint64(); g != w {
				t.Errorf("%s checkpoint: %s generator draws %x, want %x", c.name, s.name, g, w)
			}
		}
	}
}
