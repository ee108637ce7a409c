package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// signalCause is why a command was asked to stop, with the status a shell gives a process
// that the signal ended: 128 + its number.
type signalCause struct{ sig os.Signal }

func (s signalCause) Error() string {
	if s.sig == syscall.SIGTERM {
		return "terminated (SIGTERM)"
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
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		count := 0
		for {
			select {
			case <-done:
				return
			case sig := <-sigs:
				count++
				switch count {
				case 1:
					fmt.Fprintf(stderr, "\n%s\n", first)
					cancel(signalCause{sig})
				case 2:
					fmt.Fprintf(stderr, "\n%s\n", second)
				default:
					fmt.Fprintf(stderr, "\n%s\n", abort)
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
