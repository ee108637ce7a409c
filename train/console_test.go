package train

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"gogan/metrics"
)

func TestStatusLineFitsTheWidth(t *testing.T) {
	rec := &Record{Step: 812, Stats: Stats{LossD: 0.4068, LossG: 2.1944, DReal: 0.867, DFake: 0.197}}
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

var ansiCode = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// TestConsoleFollowsTheTerminalWidth draws the status line on a pseudo-terminal of 80
// columns, widens it to 200 and draws again: each frame fills its width without passing it.
func TestConsoleFollowsTheTerminalWidth(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	read := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(read) }()
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 80, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	rec := func(step int) Record {
		return Record{Step: step, Stats: Stats{LossD: 0.5, LossG: 2, DReal: 0.8, DFake: 0.2}}
	}
	c := newConsole(tty, 5000, 0, 1000, nil)
	c.start = time.Now().Add(-10 * time.Second)
	c.step(rec(1))
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 200, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	c.lastDraw = time.Time{}
	c.step(rec(2))
	c.finish()
	tty.Close()
	<-read

	var frames []string
	for _, f := range strings.FieldsFunc(out.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if f = ansiCode.ReplaceAllString(f, ""); f != "" {
			frames = append(frames, f)
		}
	}
	if len(frames) != 3 {
		t.Fatalf("want 3 frames (before the first step, at 80 and at 200 columns), got %d: %q", len(frames), frames)
	}
	for i, width := range []int{80, 80, 200} {
		n := displayWidth(frames[i])
		if n >= width || n < width-12 {
			t.Errorf("frame %d on %d columns takes %d: %q", i, width, n, frames[i])
		}
	}
	if !strings.Contains(frames[2], "D(G(z)) 0.20") {
		t.Errorf("at 200 columns every field fits: %q", frames[2])
	}
}

func TestConsoleSummariesMatchMetrics(t *testing.T) {
	var out bytes.Buffer
	c := newConsole(&out, 400, 0, 937, &metrics.Scores{FrechetDistance: 1.25, ClassifierScore: 8.3, Precision: 0.85, Recall: 0.86})
	var history []Record
	for s := 1; s <= 400; s++ {
		r := Record{Step: s, Epoch: 0, Stats: Stats{LossD: 1, LossG: 2, DReal: 0.75, DFake: 0.25}}
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
