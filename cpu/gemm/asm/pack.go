package main

import "github.com/mmcloughlin/avo/build"

type packer interface{ generate(c *build.Context) }

var packers []packer
