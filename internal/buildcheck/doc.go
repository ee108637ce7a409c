// Package buildcheck holds tests of the build itself rather than of gogan's code: that the
// Makefile's checks work from a source archive, where there is no .git, and that each package
// imports only the packages its layer allows (Layers, TestLayering).
package buildcheck
