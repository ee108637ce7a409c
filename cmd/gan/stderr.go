package main

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// messageQueue is how many writes the messages stream holds while its reader is slow; more
// are dropped.
const messageQueue = 256

// flushWait is how long a command's end waits for queued messages to be written.
const flushWait = 2 * time.Second

// messageWriter writes a command's messages (stderr) from a goroutine of its own, so that a
// pipe that nobody reads, or one whose reader died, never blocks training or its stop: a
// write queues the message, or drops it when the queue is full, and after the first failed
// write (EPIPE) nothing more is written.
type messageWriter struct {
	queue   chan []byte
	written chan struct{}
}

// newMessageWriter wraps w when it is a pipe or file; a terminal is written directly, since
// it is read as it is written and is where a console redraws its status line.
func newMessageWriter(w io.Writer) (io.Writer, func()) {
	f, ok := w.(*os.File)
	if !ok || term.IsTerminal(int(f.Fd())) {
		return w, func() {}
	}
	m := &messageWriter{queue: make(chan []byte, messageQueue), written: make(chan struct{})}
	go func() {
		defer close(m.written)
		failed := false
		for b := range m.queue {
			if !failed {
				_, err := f.Write(b)
				failed = err != nil
			}
		}
	}()
	return m, m.flush
}

func (m *messageWriter) Write(p []byte) (int, error) {
	select {
	case m.queue <- append([]byte(nil), p...):
	default:
	}
	return len(p), nil
}

// flush ends the writer, waiting flushWait at most for the queued messages.
func (m *messageWriter) flush() {
	close(m.queue)
	select {
	case <-m.written:
	case <-time.After(flushWait):
	}
}
