package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gogan/run"
)

// TestAugmentFlags: --augment and --mirror are recorded in the configuration (one spelling
// per policy), may change when resuming, and a bad policy is refused in one line before any
// run folder is made.
func TestAugmentFlags(t *testing.T) {
	dir := t.TempDir()
	data := writeIDXDataset(t, dir, synthImages)
	bad := filepath.Join(dir, "bad")
	res := gan(t, trainArgs(data, bad, "--steps", "2", "--augment", "translation,flip")...)
	if res.code == 0 || !strings.Contains(res.stderr, `--augment: augmentation "flip" is not one of`) || strings.Count(strings.TrimSpace(res.stderr), "\n") > 0 {
		t.Errorf("--augment translation,flip: exit %d, stderr %q; want one line naming the bad policy", res.code, res.stderr)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a refused run left %s behind", bad)
	}

	out := filepath.Join(dir, "run")
	mustGan(t, trainArgs(data, out, "--steps", "3", "--augment", "cutout, translation", "--mirror")...)
	config := func() run.Config {
		var cfg run.Config
		if err := json.Unmarshal(readFile(t, filepath.Join(out, "config.json")), &cfg); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	if cfg := config(); cfg.Augment != "translation,cutout" || !cfg.Mirror {
		t.Errorf("config.json: augment %q mirror %v, want translation,cutout and true", cfg.Augment, cfg.Mirror)
	}
	mustGan(t, "train", "--resume", out, "--steps", "5", "--augment", "none", "--mirror=false")
	if cfg := config(); cfg.Augment != "none" || cfg.Mirror {
		t.Errorf("config.json after resuming with --augment none --mirror=false: augment %q mirror %v", cfg.Augment, cfg.Mirror)
	}
	mustGan(t, "train", "--resume", out, "--steps", "6")
	if cfg := config(); cfg.Augment != "none" {
		t.Errorf("a resume without --augment took %q, not the checkpoint's none", cfg.Augment)
	} else if h := cfg.SettingsHistory; len(h) != 2 || h[1].FromStep != 3 || h[1].Augment != "" || h[0].Augment != "translation,cutout" {
		t.Errorf("settings history %+v, want translation,cutout from 0 and none from step 3", h)
	}
	// Each step's line says what augmentation it trained with.
	for _, line := range metricLines(t, filepath.Join(out, "metrics.jsonl")) {
		step, aug := line["step"].(float64), line["augment"]
		if want := step <= 3; (aug == "translation,cutout") != want || (line["mirror"] == true) != want {
			t.Errorf("metrics.jsonl step %v: augment %v mirror %v", step, aug, line["mirror"])
		}
	}

	// Each option changes what D sees from the first step on.
	first := map[string]any{}
	for _, flags := range [][]string{{"--augment", "none"}, {"--mirror"}, {"--augment", "translation"}} {
		one := filepath.Join(dir, strings.Join(flags, ""))
		mustGan(t, trainArgs(data, one, append(flags, "--steps", "1")...)...)
		loss := metricLines(t, filepath.Join(one, "metrics.jsonl"))[0]["loss_d_real"]
		for other, l := range first {
			if l == loss {
				t.Errorf("%v and %s: the same loss on real images at step 1, %v", flags, other, loss)
			}
		}
		first[strings.Join(flags, " ")] = loss
	}
}
