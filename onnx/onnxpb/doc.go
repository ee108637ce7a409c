// Package onnxpb holds the Go types of the ONNX protobuf messages that gogan writes,
// generated from onnx.proto (a subset of the ONNX specification's onnx.proto3 with its field
// numbers; the file says what is left out and why).
//
// Regenerate with protoc and protoc-gen-go v1.36.12
// (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12):
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative onnx.proto
