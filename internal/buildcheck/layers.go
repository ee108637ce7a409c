package buildcheck

// Layers says, for each of gogan's packages, which of gogan's packages its code (tests
// aside) may import: the command line on top, then a run of training, the step, the models
// and the layer library, with the backends beside them and reached only through nn.Backend.
// TestLayering holds every package to this table; a new package gets a row here, and the
// README's development section shows the same table.
//
//	cmd/gan                      anything
//	toy, bench                   run, train, models, nn
//	run                          generate, train, metrics, models, data, checkpoints, tensorboard, nn, internal/...
//	generate                     train, metrics, models, data, checkpoints, pth, nn, internal/...
//	onnx                         models, nn, onnx/onnxpb
//	tensorboard                  tensorboard/internal/tbproto, internal/atomicfile
//	train                        nn
//	metrics                      nn, data, checkpoints, gemm, cpu (its classifier trains on the CPU backend, via cpu.New)
//	models                       nn
//	cpu                          nn, gemm, internal/workers
//	cuda                         nn, cuda/kernels, cuda/internal/..., internal/atomicfile
//	gemm                         internal/workers
//	data, checkpoints            internal/atomicfile, internal/memlimit
//	nn, pth                      nothing of gogan's
var Layers = map[string][]string{
	"cmd/gan":         {"*"},
	"toy":             {"run", "train", "models", "nn"},
	"bench":           {"run", "train", "models", "nn"},
	"run":             {"generate", "train", "metrics", "models", "data", "checkpoints", "tensorboard", "nn", "internal/..."},
	"generate":        {"train", "metrics", "models", "data", "checkpoints", "pth", "nn", "internal/..."},
	"onnx":            {"models", "nn", "onnx/onnxpb"},
	"onnx/onnxpb":     {},
	"tensorboard":     {"tensorboard/internal/tbproto", "internal/atomicfile"},
	"tensorboard/...": {},
	"pth":             {},
	"train":           {"nn"},
	"metrics":         {"nn", "data", "checkpoints", "gemm", "cpu"},
	"models":          {"nn"},
	"nn":              {},
	"cpu":             {"nn", "gemm", "internal/workers"},
	"cuda":            {"nn", "cuda/kernels", "cuda/internal/...", "internal/atomicfile"},
	"cuda/...":        {"cuda/internal/...", "internal/atomicfile"},
	"gemm":            {"internal/workers"},
	"data":            {"internal/atomicfile", "internal/memlimit"},
	"checkpoints":     {"internal/atomicfile"},
	"internal/nntest": {"nn", "checkpoints"},
	"internal/...":    {"internal/..."},
}
