package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// signalCause is why a command was asked to stop, with the status a shell gives a process
// that the signal ended: 128 + its number.
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string {
	switch s.sig {
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	case syscall.SIGHUP:
		return "hung up (SIGHUP)"
	case syscall.SIGPIPE:
		return "output pipe closed (SIGPIPE)"
	}
	return "interrupted (SIGINT)"
}

func (s signalCause) ExitCode() int {
	if n, ok := s.sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 130
}

// stopOnSignal returns a context that the first SIGINT or SIGTERM cancels, with a
// signalCause, after printing first. A second signal prints second and changes nothing, so
// that an impatient second Ctrl-C cannot cut short the work that the first one asked to
// finish; a third prints abort and exits at once. stop restores the default handling.
func stopOnSignal(stderr io.Writer, first, second, abort string) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 3)
	// SIGHUP (a closed terminal or ssh session) saves as SIGTERM does. Asking for SIGPIPE
	// also makes a write to a closed stdout or stderr fail with EPIPE instead of killing the
	// process before it saves: `gan train | tee log` and Ctrl-C kill tee first.
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				if sig == syscall.SIGPIPE && count > 0 {
					continue // every write to a closed pipe raises one: it stops once, never aborts
				}
				count++
				// The handler acts before it prints, and waits on a print for a second at
				// most: stderr may be a pipe that nobody reads, which must not delay the stop.
				msg := map[int]string{1: first, 2: second}[min(count, 3)]
				if count == 1 {
					cancel(signalCause{sig})
				}
				if count >= 3 {
					msg = abort
				}
				printed := make(chan struct{})
				go func() { fmt.Fprintf(stderr, "\n%s\n", msg); close(printed) }()
				select {
				case <-printed:
				case <-time.After(time.Second):
				}
				if count >= 3 {
					os.Exit(signalCause{sig}.ExitCode())
				}
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// interruption is the error of a command that a signal stopped: err, with the signal's exit
// status.
type interruption struct {
	err   error
	cause signalCause
}

func (i interruption) Error() string { return i.err.Error() }
func (i interruption) Unwrap() error { return i.err }
func (i interruption) ExitCode() int { return i.cause.ExitCode() }

// interrupted wraps err with the exit status of the signal that cancelled ctx, if one did.
func interrupted(ctx context.Context, err error) error {
	if cause, ok := context.Cause(ctx).(signalCause); ok && err != nil {
		return interruption{err, cause}
	}
	return err
}
