package run

import (
	"bytes"
	"strings"
	"testing"

	"gogan/metrics"
	"gogan/train"
)

func TestStatusLineFitsTheWidth(t *testing.T) {
	rec := &Record{Step: 812, Stats: train.Stats{LossD: 0.4068, LossG: 2.1944, DReal: 0.867, DFake: 0.197}}
	for _, tc := range []struct {
		width      int
		want, omit []string
	}{
		{200, []string{" 812/1874 [", "] ", " 43%", "eta 3m06s", "loss D 0.407 G 2.194", "5.7 steps/s", "D(x) 0.87 D(G(z)) 0.20"}, nil},
		{79, []string{" 812/1874 [", " 43%", "eta 3m06s", "loss D 0.407 G 2.194"}, []string{"D(G(z))"}},
		{30, []string{" 812/1874 [", " 43%"}, []string{"eta"}},
		{12, []string{" 812/1874"}, []string{"["}},
	} {
		line := statusLine{step: 812, total: 1874, rate: 5.7, rec: rec}.render(tc.width)
		if n := displayWidth(line); n > tc.width || n < tc.width-12 {
			t.Errorf("width %d: the line takes %d columns: %q", tc.width, n, line)
		}
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("width %d: %q lacks %q", tc.width, line, w)
			}
		}
		for _, w := range tc.omit {
			if strings.Contains(line, w) {
				t.Errorf("width %d: %q has %q, which does not fit", tc.width, line, w)
			}
		}
	}
	first := statusLine{step: 0, total: 1874}.render(79)
	if strings.Contains(first, "steps/") || !strings.Contains(first, "first step") {
		t.Errorf("before the first step the line shows no rate: %q", first)
	}
}

func TestConsoleSummariesMatchMetrics(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(&out, 400, 0, 937, &metrics.Scores{FrechetDistance: 1.25, ClassifierScore: 8.3, Precision: 0.85, Recall: 0.86})
	var history []Record
	for s := 1; s <= 400; s++ {
		r := Record{Step: s, Epoch: 0, Stats: train.Stats{LossD: 1, LossG: 2, DReal: 0.75, DFake: 0.25}}
		if s == 400 {
			r.Quality = &metrics.Scores{FrechetDistance: 30.5, ClassifierScore: 5, Precision: 0.5, Recall: 0.4}
		}
		history = append(history, r)
		c.step(r)
	}
	c.epoch(0, history)
	c.finish()
	got := out.String()
	for _, want := range []string{
		"step 400: Fréchet distance 30.50 (real vs real 1.25), classifier score 5.00 (8.30), precision 0.500 (0.850), recall 0.400 (0.860)",
		"epoch 0 (400 of 937 steps): loss D 1.000 G 2.000, D(x) 0.75 D(G(z)) 0.25, 0s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "\x1b[") {
		t.Errorf("escape codes in the plain log:\n%q", got)
	}
}

func TestPlural(t *testing.T) {
	if plural(1, "step") != "1 step" || plural(2, "step") != "2 steps" || plural(0, "step") != "0 steps" {
		t.Fatal(plural(1, "step"), plural(2, "step"), plural(0, "step"))
	}
}

func TestSampleDue(t *testing.T) {
	for _, tc := range []struct {
		every, step, perEpoch int
		epochEnd, last, want  bool
	}{
		{0, 500, 937, false, true, false},   // 0: never, not even the last
		{500, 500, 937, false, false, true}, // the cadence
		{500, 937, 937, true, false, true},  // an epoch of at least 500 steps
		{500, 6, 3, true, false, false},     // a small folder: no grid every three steps
		{500, 7, 3, false, true, true},      // the last step
		{500, 499, 937, false, false, false},
	} {
		if got := sampleDue(tc.every, tc.step, tc.perEpoch, tc.epochEnd, tc.last); got != tc.want {
			t.Errorf("sampleDue(%+v) = %v", tc, got)
		}
	}
}
