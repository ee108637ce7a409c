//go:build unix

package run

import (
	"os"
	"os/signal"
	"syscall"
)

// watchResize calls redraw whenever the terminal is resized, until the returned function is
// called.
func watchResize(redraw func()) (stop func()) {
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-resized:
				redraw()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(resized)
		close(done)
	}
}
