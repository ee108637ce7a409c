//go:build unix

package run

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"gogan/train"
)

var ansiCode = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)

// syncBuffer is a buffer that one goroutine fills while another reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// frames splits what was drawn into the frames of the status line and the lines between,
// without escape codes.
func (b *syncBuffer) frames() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, f := range strings.FieldsFunc(b.buf.String(), func(r rune) bool { return r == '\r' || r == '\n' }) {
		if f = ansiCode.ReplaceAllString(f, ""); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// TestConsoleFollowsTheTerminalWidth draws the status line on a pseudo-terminal of 80
// columns, widens it to 200 and signals the resize as the terminal would: the line is drawn
// again at the new width, without waiting for the next step, and each frame fills its width
// without passing it.
func TestConsoleFollowsTheTerminalWidth(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	var out syncBuffer
	read := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(read) }()
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 80, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	c := newConsole(tty, 5000, 0, 1000, nil)
	c.start = time.Now().Add(-10 * time.Second)
	c.step(Record{Step: 1, Stats: train.Stats{LossD: 0.5, LossG: 2, DReal: 0.8, DFake: 0.2}})
	if err := pty.Setsize(ptmx, &pty.Winsize{Cols: 200, Rows: 24}); err != nil {
		t.Fatal(err)
	}
	// The pseudo-terminal is not this process's controlling terminal, so the signal that a
	// resize sends to the foreground process is sent here by hand.
	if err := syscall.Kill(os.Getpid(), syscall.SIGWINCH); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); len(out.frames()) < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	c.finish()
	tty.Close()
	<-read

	frames := out.frames()
	if len(frames) != 3 {
		t.Fatalf("want 3 frames (before the first step, at 80 columns, redrawn at 200), got %d: %q", len(frames), frames)
	}
	for i, width := range []int{80, 80, 200} {
		n := displayWidth(frames[i])
		if n >= width || n < width-12 {
			t.Errorf("frame %d on %d columns takes %d: %q", i, width, n, frames[i])
		}
	}
	if !strings.Contains(frames[2], "   1/5000 [") || !strings.Contains(frames[2], "D(G(z)) 0.20") {
		t.Errorf("at 200 columns the same step with every field: %q", frames[2])
	}
}
