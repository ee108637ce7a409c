package run

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"gogan/metrics"
	"gogan/train"
)

// console reports progress: on a terminal one status line redrawn in place, as wide as the
// terminal is at each redraw and redrawn when the terminal is resized (SIGWINCH), so that it
// neither wraps nor ignores a resize; elsewhere a
// plain line every plainEvery, so that logs of CI and batch jobs stay readable. The line is
// composed here rather than by a progress-bar package because it must drop fields, not wrap,
// when the terminal is narrow, and the packages at hand measure standard output, not the
// stream they draw on.
type console struct {
	mu       sync.Mutex // the resize watcher redraws from its own goroutine
	w        io.Writer
	tty      *os.File // nil: not a terminal
	total    int
	first    int // the step the run (or this resume) started from
	perEpoch int
	floor    *metrics.Scores // real vs real, the floor of the --eval-every scores
	start    time.Time
	lastDraw time.Time
	drawn    bool // the status line is on screen and must be cleared before other output
	last     statusLine
	unwatch  func() // stops the resize watcher
}

const (
	plainEvery = 10 * time.Second
	drawEvery  = 100 * time.Millisecond
)

func newConsole(w io.Writer, total, done, perEpoch int, floor *metrics.Scores) *console {
	c := &console{w: w, total: total, first: done, perEpoch: perEpoch, floor: floor, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		c.tty = f
		c.draw(statusLine{step: done, total: total}, true)
		c.unwatch = watchResize(c.redraw)
	}
	return c
}

// redraw draws the last status line again, at the terminal's new width.
func (c *console) redraw() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tty != nil && c.drawn {
		c.draw(c.last, true)
	}
}

// width is the terminal's current width, 80 if it cannot be told.
func (c *console) width() int {
	if w, _, err := term.GetSize(int(c.tty.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}

func (c *console) step(r Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rate := float64(r.Step-c.first) / time.Since(c.start).Seconds()
	if r.Quality != nil {
		c.println(qualityLine(r.Step, *r.Quality, c.floor))
	}
	s := statusLine{step: r.Step, total: c.total, rate: rate, rec: &r}
	if c.tty != nil {
		c.draw(s, r.Step == c.first+1 || r.Step == c.total)
		return
	}
	if time.Since(c.lastDraw) >= plainEvery || r.Step == c.first+1 {
		c.lastDraw = time.Now()
		fmt.Fprintf(c.w, "step %d/%d  %s  eta %s  loss D %.4f G %.4f  D(x) %.3f D(G(z)) %.3f\n",
			r.Step, c.total, formatRate(rate), formatETA(s.eta()), r.LossD, r.LossG, r.DReal, r.DFake)
	}
}

// draw redraws the status line at most every drawEvery, unless forced.
func (c *console) draw(s statusLine, force bool) {
	c.last = s
	if !force && time.Since(c.lastDraw) < drawEvery {
		return
	}
	c.lastDraw = time.Now()
	// The last column is left free: writing into it makes some terminals wrap at once.
	fmt.Fprintf(c.w, "\r%s\x1b[K", s.render(c.width()-1))
	c.drawn = true
}

// println prints a line of its own above the status line.
func (c *console) println(line string) {
	if c.drawn {
		fmt.Fprint(c.w, "\r\x1b[K")
		c.drawn = false
		c.lastDraw = time.Time{} // redraw the status line at the next step
	}
	fmt.Fprintln(c.w, line)
}

// epoch prints the summary of an epoch that ended, or of the part of one that the run
// covered: the means of its steps, numbered as in metrics.jsonl.
func (c *console) epoch(epoch int, history []Record) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int
	var m train.Stats
	for i := len(history) - 1; i >= 0 && history[i].Epoch == epoch; i-- {
		s := history[i].Stats
		m.LossD += s.LossD
		m.LossG += s.LossG
		m.DReal += s.DReal
		m.DFake += s.DFake
		n++
	}
	if n == 0 {
		return
	}
	k := float64(n)
	steps := fmt.Sprintf("%d steps", n)
	if n < c.perEpoch {
		steps = fmt.Sprintf("%d of %d steps", n, c.perEpoch)
	}
	// Short enough for 80 columns: the means, and the time since the run started.
	c.println(fmt.Sprintf("epoch %d (%s): loss D %.3f G %.3f, D(x) %.2f D(G(z)) %.2f, %s",
		epoch, steps, m.LossD/k, m.LossG/k, m.DReal/k, m.DFake/k, formatETA(time.Since(c.start))))
}

func (c *console) finish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unwatch != nil {
		c.unwatch()
		c.unwatch = nil
	}
	if c.drawn {
		fmt.Fprint(c.w, "\r\x1b[K")
		c.drawn = false
	}
	c.tty = nil
}

// qualityLine reports an --eval-every measurement beside the floor of real against real.
func qualityLine(step int, q metrics.Scores, floor *metrics.Scores) string {
	if floor == nil {
		return fmt.Sprintf("step %d: Fréchet distance %.2f, classifier score %.2f, precision %.3f, recall %.3f",
			step, q.FrechetDistance, q.ClassifierScore, q.Precision, q.Recall)
	}
	return fmt.Sprintf("step %d: Fréchet distance %.2f (real vs real %.2f), classifier score %.2f (%.2f), precision %.3f (%.3f), recall %.3f (%.3f)",
		step, q.FrechetDistance, floor.FrechetDistance, q.ClassifierScore, floor.ClassifierScore,
		q.Precision, floor.Precision, q.Recall, floor.Recall)
}

// statusLine is what the live line shows.
type statusLine struct {
	step, total int
	rate        float64 // steps per second; 0 before the first step
	rec         *Record // nil before the first step
}

func (s statusLine) eta() time.Duration {
	if !(s.rate > 0) {
		return 0
	}
	return time.Duration(float64(s.total-s.step) / s.rate * float64(time.Second))
}

// minBar is the narrowest bar worth drawing, brackets included.
const minBar = 12

// render composes the line in at most width columns: the count and the bar first, then as
// many of the other fields as fit, in order of use; the bar takes the room that is left.
func (s statusLine) render(width int) string {
	count := fmt.Sprintf("%*d/%d", len(fmt.Sprint(s.total)), s.step, s.total)
	fields := []string{fmt.Sprintf("%3d%%", 100*s.step/max(1, s.total))}
	if s.rec == nil {
		fields = append(fields, "first step…")
	} else {
		r := s.rec
		fields = append(fields, "eta "+formatETA(s.eta()), fmt.Sprintf("loss D %.3f G %.3f", r.LossD, r.LossG),
			formatRate(s.rate), fmt.Sprintf("D(x) %.2f D(G(z)) %.2f", r.DReal, r.DFake))
	}
	used := displayWidth(count)
	barWidth := 0
	if width-used-1 >= minBar {
		barWidth = minBar
		used += 1 + minBar
	}
	var shown []string
	for _, f := range fields {
		if used+2+displayWidth(f) > width {
			break
		}
		shown = append(shown, f)
		used += 2 + displayWidth(f)
	}
	var b strings.Builder
	b.WriteString(count)
	if barWidth > 0 {
		barWidth = minBar + width - used
		inner := barWidth - 2
		done := inner * s.step / max(1, s.total)
		b.WriteString(" [" + strings.Repeat("=", done) + strings.Repeat(" ", inner-done) + "]")
	}
	for _, f := range shown {
		b.WriteString("  " + f)
	}
	line := b.String()
	if displayWidth(line) > width {
		line = string([]rune(line)[:max(0, width)])
	}
	return line
}

// displayWidth counts runes: every character the line uses takes one column.
func displayWidth(s string) int { return len([]rune(s)) }

func formatRate(rate float64) string {
	switch {
	case !(rate > 0):
		return "… steps/s"
	case rate >= 1:
		return fmt.Sprintf("%.1f steps/s", rate)
	default:
		return fmt.Sprintf("%.1f s/step", 1/rate)
	}
}

// formatETA writes a duration as 1h02m, 3m08s or 12s.
func formatETA(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, sec)
	default:
		return fmt.Sprintf("%ds", sec)
	}
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
