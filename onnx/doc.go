// Package onnx writes a gogan generator as an ONNX model, to be run by ONNX Runtime (in a
// service, from Python, or in a browser with onnxruntime-web) or any other ONNX consumer.
//
// The model's interface:
//
//   - input z, float32 (N, nz, 1, 1), N dynamic: the latents, drawn from N(0, 1) as in training;
//   - for a class-conditional generator, input class, int64 (N): each image's class in
//     [0, classes); the graph turns it into the one-hot code that gogan concatenates to z
//     (OneHot, Unsqueeze, Concat), so the first transposed convolution's weights are the
//     checkpoint's, class channels included;
//   - output image, float32 (N, nc, H, W) in [−1, 1] (tanh); (image+1)/2 maps it to [0, 1].
//
// The graph mirrors the network layer by layer: ConvTranspose, BatchNormalization, Relu and
// Tanh nodes named after their layer index, and initializers under the network's state-dict
// names ("0.weight", "1.running_mean", ...), so the ONNX file and a checkpoint can be compared
// tensor by tensor. BatchNorm is exported in its inference form, BatchNormalization with the
// running statistics (training_mode 0), rather than folded into the preceding convolution:
// the weights stay the checkpoint's bit for bit, and runtimes fold it themselves when they
// optimise the graph.
//
// The model targets ONNX operator set 17 and IR version 8 (ONNX 1.12, 2022). Every operator
// used here last changed at or before opset 15, and opset 17 is read by every ONNX Runtime
// since 1.13 (onnxruntime-web included) and is the default of PyTorch's ONNX exporter, so
// the file loads in the runtimes users already have.
//
// The protobuf messages come from google.golang.org/protobuf, generated from onnxpb/onnx.proto.
// The Go ONNX libraries (onnx-go and its kin) read models to run them, are unmaintained, and
// bring their own protobuf runtime; writing a graph of a handful of nodes needs only the
// messages.
package onnx
