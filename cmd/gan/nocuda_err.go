package main

import "errors"

var errNoCUDA = errors.New("built without CUDA support; rebuild with make build-cuda")
