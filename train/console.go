package train

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// console reports progress: a live bar when stderr is a terminal, otherwise a plain line
// every plainEvery, so that logs of CI and batch jobs stay readable.
type console struct {
	w         io.Writer
	bar       *progressbar.ProgressBar
	total     int
	lastPlain time.Time
	start     time.Time
	first     int
}

const plainEvery = 10 * time.Second

func newConsole(w io.Writer, total, done int) *console {
	c := &console{w: w, total: total, start: time.Now(), first: done, lastPlain: time.Now()}
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		c.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("training"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("steps"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		c.bar.Set(done)
	}
	return c
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func (c *console) step(r Record) {
	if c.bar != nil {
		c.bar.Describe(fmt.Sprintf("loss D %.3f G %.3f D(x) %.2f D(G(z)) %.2f", r.LossD, r.LossG, r.DReal, r.DFake))
		c.bar.Set(r.Step)
		return
	}
	if time.Since(c.lastPlain) >= plainEvery || r.Step == c.first+1 {
		c.lastPlain = time.Now()
		rate := float64(r.Step-c.first) / time.Since(c.start).Seconds()
		eta := time.Duration(float64(c.total-r.Step) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(c.w, "step %d/%d  %.2f steps/s  eta %v  loss D %.4f G %.4f  D(x) %.3f D(G(z)) %.3f\n",
			r.Step, c.total, rate, eta, r.LossD, r.LossG, r.DReal, r.DFake)
	}
}

// epoch prints the summary of the epoch that just ended: the means of its steps.
func (c *console) epoch(epoch int, history []Record) {
	var n int
	var m Stats
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
	if c.bar != nil {
		c.bar.Clear()
	}
	fmt.Fprintf(c.w, "epoch %d: %d steps, mean loss D %.4f G %.4f, D(x) %.3f, D(G(z)) %.3f, %v elapsed\n",
		epoch+1, n, m.LossD/k, m.LossG/k, m.DReal/k, m.DFake/k, time.Since(c.start).Round(time.Second))
}

func (c *console) finish() {
	if c.bar != nil {
		c.bar.Finish()
		c.bar = nil
	}
}
