package main

import (
	"io"
	"os"

	"golang.org/x/term"
)

// checkedOutput remembers the first failed write to a command's standard output, so that a
// command whose output was lost (a full disk, /dev/full, a closed stream) does not end with
// status 0 and an empty file: commands print with fmt.Fprintf, which drops the error.
type checkedOutput struct {
	w   io.Writer
	err error
}

// checkOutput wraps stdout when it is a file or a pipe; a terminal is left as it is, so that
// commands can still tell they are writing to one.
func checkOutput(stdout io.Writer) (io.Writer, *checkedOutput) {
	f, ok := stdout.(*os.File)
	if !ok || term.IsTerminal(int(f.Fd())) {
		return stdout, &checkedOutput{}
	}
	c := &checkedOutput{w: f}
	return c, c
}

func (c *checkedOutput) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
