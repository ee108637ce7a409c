// Package tbproto holds the Go types of the TensorBoard messages that gogan writes and reads,
// generated from tensorboard.proto: a subset of TensorBoard's own definitions with their
// names and field numbers (the file says what is left out and why). The full definitions
// span seven files and several hundred lines of graphs, histograms, audio and data types that
// an event file of scalars, images and text never holds; the subset is written for this
// project so that the package carries only what it uses.
//
// Regenerate with protoc and protoc-gen-go v1.36.12
// (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12):
package tbproto

//go:generate protoc --go_out=. --go_opt=paths=source_relative tensorboard.proto
