package run

import (
	"context"
	"errors"
	"fmt"
)

// InterruptedError reports a run stopped by a signal after writing a checkpoint.
type InterruptedError struct {
	Step       int
	Checkpoint string
	Status     int // the exit status of the signal: 130 for SIGINT, 143 for SIGTERM
}

func (e *InterruptedError) Error() string {
	return fmt.Sprintf("interrupted at step %d; checkpoint written to %s (continue with --resume %s)", e.Step, e.Checkpoint, e.Checkpoint)
}

// ExitCode is the conventional status of a process stopped by the signal.
func (e *InterruptedError) ExitCode() int {
	if e.Status == 0 {
		return 130
	}
	return e.Status
}

// interrupted ends a run that a signal stopped, after its checkpoint: the sample grid of its
// last step, loss.png and progress.gif are written as at an epoch's end, so that what the
// run learned so far can be seen.
func (r *run) interrupted(ctx context.Context, con *console, figuresDone, samplesDone bool) error {
	if !samplesDone {
		if err := r.writeSamples(); err != nil {
			return err
		}
	}
	// A grid written just now is a new frame of progress.gif, even where the step's figures
	// were drawn already (at an epoch's end).
	if !figuresDone || !samplesDone {
		if err := r.writeFigures(); err != nil {
			return err
		}
	}
	con.finish()
	status := 130
	var ec interface{ ExitCode() int }
	if errors.As(context.Cause(ctx), &ec) {
		status = ec.ExitCode()
	}
	return &InterruptedError{Step: r.prog.Step, Checkpoint: r.lastCk, Status: status}
}

// diverged explains weights that stopped being finite, naming the checkpoint that survives.
func (r *run) diverged(err error) error {
	msg := fmt.Sprintf("step %d: %v: training diverged; lower --lr or try another --loss", r.prog.Step, err)
	if r.lastCk != "" {
		msg += "; the last checkpoint whose weights are finite is " + r.lastCk
	}
	return errors.New(msg)
}

// failed explains a run that failed at step (a diverged one, say), naming the checkpoint
// that survives it.
func (r *run) failed(step int, err error) error {
	if r.lastCk != "" {
		return fmt.Errorf("step %d: %w; the last good checkpoint is %s", step, err, r.lastCk)
	}
	return fmt.Errorf("step %d: %w", step, err)
}
