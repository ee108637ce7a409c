package nntest

import "gogan/nn"

// goldenConvTransposeParams is the transposed convolution of layers.safetensors.
var goldenConvTransposeParams = nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1, OutputPad: 1}
