// Package buildcheck holds tests of the build itself rather than of gogan's code: that the
// Makefile's checks work from a source archive, where there is no .git.
package buildcheck
