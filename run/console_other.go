//go:build !unix

package run

// watchResize does nothing where there is no SIGWINCH: the status line takes the terminal's
// width at its next redraw instead.
func watchResize(redraw func()) (stop func()) { return func() {} }
