package nntest

import "gogan/nn"

// contractMethods are the Backend methods with valid operands: small, so that the valid calls
// run on any backend in no time.
var contractMethods = []*contractMethod{
	{name: "New", base: contractArgs{shapes: shapes("shape", []int{2, 3})},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Free(b.New(a.shapes["shape"]...)) },
		check: func(t operands, a contractArgs) error { return nn.CheckNew(a.shapes["shape"]...) }},
	{name: "Upload", base: contractArgs{shapes: shapes("tensor", []int{2, 3}), n: 6},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Upload(t("tensor"), make([]float32, a.n)) },
		check: func(t operands, a contractArgs) error { return nn.CheckTransfer("Upload", t("tensor"), a.n) }},
	{name: "Download", base: contractArgs{shapes: shapes("tensor", []int{2, 3}), n: 6},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Download(make([]float32, a.n), t("tensor")) },
		check: func(t operands, a contractArgs) error { return nn.CheckTransfer("Download", t("tensor"), a.n) }},
	{name: "Fill", base: contractArgs{shapes: shapes("tensor", []int{2, 3})},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Fill(t("tensor"), 1) },
		check: func(t operands, a contractArgs) error { return nn.CheckFill("Fill", t("tensor")) }},
	{name: "Clamp", base: contractArgs{shapes: shapes("tensor", []int{2, 3})},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Clamp(t("tensor"), -1, 1) },
		check: func(t operands, a contractArgs) error { return nn.CheckFill("Clamp", t("tensor")) }},
	{name: "Copy", base: contractArgs{shapes: shapes("dst", []int{6}, "src", []int{2, 3})},
		call:  func(b nn.Backend, t operands, a contractArgs) { b.Copy(t("dst"), t("src")) },
		check: func(t operands, a contractArgs) error { return nn.CheckCopy(t("dst"), t("src")) }},
	{name: "LinearForward",
		base: contractArgs{shapes: shapes("out", []int{2, 4}, "x", []int{2, 3}, "w", []int{4, 3}, "bias", []int{4})},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.LinearForward(t("out"), t("x"), t("w"), t("bias"))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckLinearForward(t("out"), t("x"), t("w"), t("bias"))
			return err
		}},
	{name: "LinearBackward",
		base: contractArgs{shapes: shapes("dx", []int{2, 3}, "dw", []int{4, 3}, "db", []int{4}, "dout", []int{2, 4},
			"x", []int{2, 3}, "w", []int{4, 3})},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.LinearBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckLinearBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"))
			return err
		}},
	{name: "Conv2DForward",
		base: contractArgs{shapes: shapes("out", []int{2, 4, 5, 5}, "x", []int{2, 3, 5, 5}, "w", []int{4, 3, 3, 3}, "bias", []int{4}),
			conv: nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.Conv2DForward(t("out"), t("x"), t("w"), t("bias"), a.conv)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckConv2DForward(t("out"), t("x"), t("w"), t("bias"), a.conv)
			return err
		}},
	{name: "Conv2DBackward",
		base: contractArgs{shapes: shapes("dx", []int{2, 3, 5, 5}, "dw", []int{4, 3, 3, 3}, "db", []int{4}, "dout", []int{2, 4, 5, 5},
			"x", []int{2, 3, 5, 5}, "w", []int{4, 3, 3, 3}),
			conv: nn.ConvParams{Kernel: 3, Stride: 1, Pad: 1}},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.Conv2DBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"), a.conv)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckConv2DBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"), a.conv)
			return err
		}},
	{name: "ConvTranspose2DForward",
		base: contractArgs{shapes: shapes("out", []int{2, 2, 6, 6}, "x", []int{2, 4, 3, 3}, "w", []int{4, 2, 4, 4}, "bias", []int{2}),
			conv: nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.ConvTranspose2DForward(t("out"), t("x"), t("w"), t("bias"), a.conv)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckConvTranspose2DForward(t("out"), t("x"), t("w"), t("bias"), a.conv)
			return err
		}},
	{name: "ConvTranspose2DBackward",
		base: contractArgs{shapes: shapes("dx", []int{2, 4, 3, 3}, "dw", []int{4, 2, 4, 4}, "db", []int{2}, "dout", []int{2, 2, 6, 6},
			"x", []int{2, 4, 3, 3}, "w", []int{4, 2, 4, 4}),
			conv: nn.ConvParams{Kernel: 4, Stride: 2, Pad: 1}},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.ConvTranspose2DBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"), a.conv)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckConvTranspose2DBackward(t("dx"), t("dw"), t("db"), t("dout"), t("x"), t("w"), a.conv)
			return err
		}},
	{name: "BatchNormForward",
		base: contractArgs{shapes: shapes("out", []int{4, 3, 2}, "x", []int{4, 3, 2}, "weight", []int{3}, "bias", []int{3},
			"runningMean", []int{3}, "runningVar", []int{3}, "saveMean", []int{3}, "saveInvStd", []int{3}), train: true},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.BatchNormForward(t("out"), t("x"), t("weight"), t("bias"), t("runningMean"), t("runningVar"),
				t("saveMean"), t("saveInvStd"), nn.BatchNormParams{Training: a.train, Momentum: 0.1, Eps: 1e-5})
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckBatchNormForward(t("out"), t("x"), t("weight"), t("bias"), t("runningMean"), t("runningVar"),
				t("saveMean"), t("saveInvStd"), nn.BatchNormParams{Training: a.train, Momentum: 0.1, Eps: 1e-5})
			return err
		}},
	{name: "BatchNormBackward",
		base: contractArgs{shapes: shapes("dx", []int{4, 3, 2}, "dweight", []int{3}, "dbias", []int{3}, "dout", []int{4, 3, 2},
			"x", []int{4, 3, 2}, "weight", []int{3}, "saveMean", []int{3}, "saveInvStd", []int{3})},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.BatchNormBackward(t("dx"), t("dweight"), t("dbias"), t("dout"), t("x"), t("weight"), t("saveMean"), t("saveInvStd"))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckBatchNormBackward(t("dx"), t("dweight"), t("dbias"), t("dout"), t("x"), t("weight"), t("saveMean"), t("saveInvStd"))
			return err
		}},
	{name: "ActivationForward",
		base: contractArgs{shapes: shapes("out", []int{2, 3}, "x", []int{2, 3}), act: nn.Activation{Kind: nn.LeakyReLU, Slope: 0.2}},
		call: func(b nn.Backend, t operands, a contractArgs) { b.ActivationForward(t("out"), t("x"), a.act) },
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckActivationForward(t("out"), t("x"), a.act)
			return err
		}},
	{name: "ActivationBackward",
		base: contractArgs{shapes: shapes("dx", []int{2, 3}, "dout", []int{2, 3}, "x", []int{2, 3}, "out", []int{2, 3}),
			act: nn.Activation{Kind: nn.Tanh}},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.ActivationBackward(t("dx"), t("dout"), t("x"), t("out"), a.act)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckActivationBackward(t("dx"), t("dout"), t("x"), t("out"), a.act)
			return err
		}},
	{name: "LogitLoss", base: contractArgs{shapes: shapes("stats", []int{3}, "dlogits", []int{4, 1}, "logits", []int{4, 1}),
		term: nn.TermSoftplusNeg},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.LogitLoss(t("stats"), t("dlogits"), t("logits"), a.term, 1)
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckLogitLoss(t("stats"), t("dlogits"), t("logits"), a.term)
			return err
		}},
	{name: "AdamStep", base: contractArgs{shapes: shapes("params", []int{10}, "grads", []int{10}, "m", []int{10}, "v", []int{10}), step: 1},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.AdamStep(t("params"), t("grads"), t("m"), t("v"), adamParams(a.step))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckAdamStep(t("params"), t("grads"), t("m"), t("v"), adamParams(a.step))
			return err
		}},
	{name: "EMAUpdate", base: contractArgs{shapes: shapes("avg", []int{2, 5}, "x", []int{10})},
		call: func(b nn.Backend, t operands, a contractArgs) { b.EMAUpdate(t("avg"), t("x"), 0.9) },
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckEMAUpdate(t("avg"), t("x"))
			return err
		}},
	{name: "AugmentForward", base: contractArgs{shapes: shapes("out", []int{2, 3, 4, 5}, "x", []int{2, 3, 4, 5}, "params", []int{2, nn.AugmentValues})},
		call: func(b nn.Backend, t operands, a contractArgs) { b.AugmentForward(t("out"), t("x"), t("params")) },
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckAugmentForward(t("out"), t("x"), t("params"))
			return err
		}},
	{name: "AugmentBackward", base: contractArgs{shapes: shapes("dx", []int{2, 3, 4, 5}, "dout", []int{2, 3, 4, 5}, "params", []int{2, nn.AugmentValues})},
		call: func(b nn.Backend, t operands, a contractArgs) { b.AugmentBackward(t("dx"), t("dout"), t("params")) },
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckAugmentBackward(t("dx"), t("dout"), t("params"))
			return err
		}},
	{name: "ProjectionForward",
		base: contractArgs{shapes: shapes("out", []int{3, 1}, "x", []int{3, 2, 2, 2}, "w", []int{1, 2, 2, 2}, "table", []int{5, 8}, "labels", []int{3})},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.ProjectionForward(t("out"), t("x"), t("w"), t("table"), t("labels"))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckProjectionForward(t("out"), t("x"), t("w"), t("table"), t("labels"))
			return err
		}},
	{name: "ProjectionBackward",
		base: contractArgs{shapes: shapes("dx", []int{3, 2, 2, 2}, "dw", []int{1, 2, 2, 2}, "dtable", []int{5, 8}, "dout", []int{3, 1},
			"x", []int{3, 2, 2, 2}, "w", []int{1, 2, 2, 2}, "table", []int{5, 8}, "labels", []int{3})},
		call: func(b nn.Backend, t operands, a contractArgs) {
			b.ProjectionBackward(t("dx"), t("dw"), t("dtable"), t("dout"), t("x"), t("w"), t("table"), t("labels"))
		},
		check: func(t operands, a contractArgs) error {
			_, err := nn.CheckProjectionBackward(t("dx"), t("dw"), t("dtable"), t("dout"), t("x"), t("w"), t("table"), t("labels"))
			return err
		}},
}

func adamParams(step int) nn.AdamParams {
	return nn.AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step}
}

// contractVariants are the calls of ContractCases: a method, how its valid operands are
// changed (nil: not at all) and the message its contract gives ("" for a valid call).
var contractVariants = []struct {
	method, desc string
	edit         func(*contractArgs)
	want         string
}{
	{"New", "valid", nil, ""},
	{"New", "negative dimension", set("shape", 2, -1), "New: negative dimension in (2, -1)"},
	{"Upload", "valid", nil, ""},
	{"Upload", "short source", func(a *contractArgs) { a.n = 5 }, "Upload: tensor is (2, 3), want 5 elements"},
	{"Upload", "nil tensor", drop("tensor"), "Upload: tensor is nil"},
	{"Download", "valid", nil, ""},
	{"Download", "long destination", func(a *contractArgs) { a.n = 7 }, "Download: tensor is (2, 3), want 7 elements"},
	{"Fill", "valid", nil, ""},
	{"Fill", "nil tensor", drop("tensor"), "Fill: tensor is nil"},
	{"Clamp", "valid", nil, ""},
	{"Clamp", "nil tensor", drop("tensor"), "Clamp: tensor is nil"},
	{"Copy", "valid", nil, ""},
	{"Copy", "dst size", set("dst", 5), "Copy: dst is (5), want 6 elements"},
	{"Copy", "nil src", drop("src"), "Copy: src is nil"},

	{"LinearForward", "valid", nil, ""},
	{"LinearForward", "no bias", drop("bias"), ""},
	{"LinearForward", "x rank", set("x", 2, 3, 1), "LinearForward: x is (2, 3, 1), want 2 dimensions"},
	{"LinearForward", "w inputs", set("w", 4, 2), "LinearForward: w is (4, 2), want (4, 3)"},
	{"LinearForward", "out", set("out", 2, 5), "LinearForward: out is (2, 5), want (2, 4)"},
	{"LinearForward", "bias", set("bias", 5), "LinearForward: bias is (5), want (4)"},
	{"LinearBackward", "valid", nil, ""},
	{"LinearBackward", "no gradients", func(a *contractArgs) { delete(a.shapes, "dx"); delete(a.shapes, "dw"); delete(a.shapes, "db") }, ""},
	{"LinearBackward", "dout", set("dout", 3, 4), "LinearBackward: dout is (3, 4), want (2, 4)"},
	{"LinearBackward", "dx", set("dx", 2, 4), "LinearBackward: dx is (2, 4), want (2, 3)"},
	{"LinearBackward", "dw", set("dw", 3, 4), "LinearBackward: dw is (3, 4), want (4, 3)"},
	{"LinearBackward", "db", set("db", 3), "LinearBackward: db is (3), want (4)"},
	{"LinearBackward", "nil w", drop("w"), "LinearBackward: w is nil"},

	{"Conv2DForward", "valid", nil, ""},
	{"Conv2DForward", "no bias", drop("bias"), ""},
	{"Conv2DForward", "kernel 0", func(a *contractArgs) { a.conv.Kernel = 0 },
		"Conv2DForward: kernel 0, stride 1, pad 1: want kernel and stride of 1 or more, pad of 0 or more"},
	{"Conv2DForward", "stride 0", func(a *contractArgs) { a.conv.Stride = 0 },
		"Conv2DForward: kernel 3, stride 0, pad 1: want kernel and stride of 1 or more, pad of 0 or more"},
	{"Conv2DForward", "output pad", func(a *contractArgs) { a.conv.OutputPad = 1 },
		"Conv2DForward: output pad 1: transposed convolutions only"},
	{"Conv2DForward", "x rank", set("x", 2, 3, 25), "Conv2DForward: x is (2, 3, 25), want 4 dimensions"},
	{"Conv2DForward", "w channels", set("w", 4, 2, 3, 3), "Conv2DForward: w is (4, 2, 3, 3), want (4, 3, 3, 3)"},
	{"Conv2DForward", "w kernel", set("w", 4, 3, 2, 2), "Conv2DForward: w is (4, 3, 2, 2), want (4, 3, 3, 3)"},
	{"Conv2DForward", "out", set("out", 2, 4, 4, 4), "Conv2DForward: out is (2, 4, 4, 4), want (2, 4, 5, 5)"},
	{"Conv2DForward", "bias", set("bias", 3), "Conv2DForward: bias is (3), want (4)"},
	{"Conv2DForward", "input smaller than the kernel", func(a *contractArgs) {
		a.conv = nn.ConvParams{Kernel: 3, Stride: 2}
		a.shapes["x"], a.shapes["out"] = nn.Shape{2, 3, 2, 2}, nn.Shape{2, 4, 1, 1}
	}, "Conv2DForward: x is (2, 3, 2, 2): kernel 3, stride 2, pad 0 leave no output pixel"},
	{"Conv2DBackward", "valid", nil, ""},
	{"Conv2DBackward", "no gradients", func(a *contractArgs) { delete(a.shapes, "dx"); delete(a.shapes, "dw"); delete(a.shapes, "db") }, ""},
	{"Conv2DBackward", "dout", set("dout", 2, 4, 3, 3), "Conv2DBackward: dout is (2, 4, 3, 3), want (2, 4, 5, 5)"},
	{"Conv2DBackward", "dx", set("dx", 2, 3, 4, 5), "Conv2DBackward: dx is (2, 3, 4, 5), want (2, 3, 5, 5)"},
	{"Conv2DBackward", "dw", set("dw", 4, 3, 3, 2), "Conv2DBackward: dw is (4, 3, 3, 2), want (4, 3, 3, 3)"},
	{"Conv2DBackward", "db", set("db", 2), "Conv2DBackward: db is (2), want (4)"},
	{"Conv2DBackward", "nil x", drop("x"), "Conv2DBackward: x is nil"},

	{"ConvTranspose2DForward", "valid", nil, ""},
	{"ConvTranspose2DForward", "no bias", drop("bias"), ""},
	{"ConvTranspose2DForward", "output pad", func(a *contractArgs) {
		a.conv.OutputPad = 1
		a.shapes["out"] = nn.Shape{2, 2, 7, 7}
	}, ""},
	{"ConvTranspose2DForward", "output pad of the stride", func(a *contractArgs) { a.conv.OutputPad = 2 },
		"ConvTranspose2DForward: output pad 2, stride 2: want output pad of 0 or more, below the stride"},
	{"ConvTranspose2DForward", "x rank", set("x", 2, 4), "ConvTranspose2DForward: x is (2, 4), want 4 dimensions"},
	{"ConvTranspose2DForward", "w layout", set("w", 2, 4, 4, 4), "ConvTranspose2DForward: w is (2, 4, 4, 4), want (4, 4, 4, 4)"},
	{"ConvTranspose2DForward", "out", set("out", 2, 2, 7, 7), "ConvTranspose2DForward: out is (2, 2, 7, 7), want (2, 2, 6, 6)"},
	{"ConvTranspose2DForward", "bias", set("bias", 4), "ConvTranspose2DForward: bias is (4), want (2)"},
	{"ConvTranspose2DForward", "pad past the output", func(a *contractArgs) {
		a.conv = nn.ConvParams{Kernel: 4, Stride: 1, Pad: 3}
		a.shapes["x"], a.shapes["out"] = nn.Shape{2, 4, 1, 1}, nn.Shape{2, 2, 1, 1}
	}, "ConvTranspose2DForward: x is (2, 4, 1, 1): kernel 4, stride 1, pad 3 leave no output pixel"},
	{"ConvTranspose2DBackward", "valid", nil, ""},
	{"ConvTranspose2DBackward", "no gradients", func(a *contractArgs) { delete(a.shapes, "dx"); delete(a.shapes, "dw"); delete(a.shapes, "db") }, ""},
	{"ConvTranspose2DBackward", "dout", set("dout", 2, 4, 6, 6), "ConvTranspose2DBackward: dout is (2, 4, 6, 6), want (2, 2, 6, 6)"},
	{"ConvTranspose2DBackward", "dx", set("dx", 2, 2, 3, 3), "ConvTranspose2DBackward: dx is (2, 2, 3, 3), want (2, 4, 3, 3)"},
	{"ConvTranspose2DBackward", "dw", set("dw", 2, 4, 4, 4), "ConvTranspose2DBackward: dw is (2, 4, 4, 4), want (4, 2, 4, 4)"},
	{"ConvTranspose2DBackward", "db", set("db", 4), "ConvTranspose2DBackward: db is (4), want (2)"},
	{"ConvTranspose2DBackward", "nil dout", drop("dout"), "ConvTranspose2DBackward: dout is nil, want (2, 2, 6, 6)"},

	{"BatchNormForward", "valid", nil, ""},
	{"BatchNormForward", "x rank", set("x", 4, 3, 2, 1), "BatchNormForward: x is (4, 3, 2, 1), want 3 dimensions"},
	{"BatchNormForward", "out", set("out", 4, 3, 1), "BatchNormForward: out is (4, 3, 1), want (4, 3, 2)"},
	{"BatchNormForward", "weight", set("weight", 2), "BatchNormForward: weight is (2), want (3)"},
	{"BatchNormForward", "runningVar", set("runningVar", 4), "BatchNormForward: runningVar is (4), want (3)"},
	{"BatchNormForward", "nil saveInvStd", drop("saveInvStd"), "BatchNormForward: saveInvStd is nil, want (3)"},
	{"BatchNormForward", "one value per channel in training", func(a *contractArgs) {
		a.shapes["x"], a.shapes["out"] = nn.Shape{1, 3, 1}, nn.Shape{1, 3, 1}
	}, "BatchNormForward: x is (1, 3, 1): training needs more than one value per channel"},
	{"BatchNormForward", "one value per channel in evaluation", func(a *contractArgs) {
		a.train = false
		a.shapes["x"], a.shapes["out"] = nn.Shape{1, 3, 1}, nn.Shape{1, 3, 1}
	}, ""},
	{"BatchNormBackward", "valid", nil, ""},
	{"BatchNormBackward", "no gradients", func(a *contractArgs) {
		delete(a.shapes, "dx")
		delete(a.shapes, "dweight")
		delete(a.shapes, "dbias")
	}, ""},
	{"BatchNormBackward", "x rank", set("x", 4, 6), "BatchNormBackward: x is (4, 6), want 3 dimensions"},
	{"BatchNormBackward", "dout", set("dout", 4, 3, 3), "BatchNormBackward: dout is (4, 3, 3), want (4, 3, 2)"},
	{"BatchNormBackward", "dx", set("dx", 4, 2, 3), "BatchNormBackward: dx is (4, 2, 3), want (4, 3, 2)"},
	{"BatchNormBackward", "dweight", set("dweight", 2), "BatchNormBackward: dweight is (2), want (3)"},
	{"BatchNormBackward", "dbias", set("dbias", 1, 3), "BatchNormBackward: dbias is (1, 3), want (3)"},
	{"BatchNormBackward", "nil weight", drop("weight"), "BatchNormBackward: weight is nil, want (3)"},
	{"BatchNormBackward", "saveInvStd", set("saveInvStd", 4), "BatchNormBackward: saveInvStd is (4), want (3)"},

	{"ActivationForward", "valid", nil, ""},
	{"ActivationForward", "out", set("out", 3, 2), "ActivationForward: out is (3, 2), want (2, 3)"},
	{"ActivationForward", "unknown activation", func(a *contractArgs) { a.act = nn.Activation{Kind: 9} },
		"ActivationForward: unknown activation Activation(9)"},
	{"ActivationBackward", "valid", nil, ""},
	{"ActivationBackward", "no dx", drop("dx"), ""},
	{"ActivationBackward", "dx", set("dx", 6), "ActivationBackward: dx is (6), want (2, 3)"},
	{"ActivationBackward", "x", set("x", 2, 4), "ActivationBackward: x is (2, 4), want (2, 3)"},
	{"ActivationBackward", "out", set("out", 1, 2, 3), "ActivationBackward: out is (1, 2, 3), want (2, 3)"},
	{"ActivationBackward", "unknown activation", func(a *contractArgs) { a.act = nn.Activation{Kind: -1} },
		"ActivationBackward: unknown activation Activation(-1)"},

	{"LogitLoss", "valid", nil, ""},
	{"LogitLoss", "no dlogits", drop("dlogits"), ""},
	{"LogitLoss", "logits of one dimension", func(a *contractArgs) { a.shapes["logits"], a.shapes["dlogits"] = nn.Shape{4}, nn.Shape{4} }, ""},
	{"LogitLoss", "logits of two per sample", set("logits", 4, 2), "LogitLoss: logits is (4, 2), want (N) or (N, 1)"},
	{"LogitLoss", "stats", set("stats", 2), "LogitLoss: stats is (2), want (3)"},
	{"LogitLoss", "dlogits", set("dlogits", 3, 1), "LogitLoss: dlogits is (3, 1), want (4, 1)"},
	{"LogitLoss", "unknown term", func(a *contractArgs) { a.term = 42 }, "LogitLoss: unknown loss term 42"},

	{"AdamStep", "valid", nil, ""},
	{"AdamStep", "grads", set("grads", 9), "AdamStep: grads is (9), want 10 elements"},
	{"AdamStep", "nil v", drop("v"), "AdamStep: v is nil"},
	{"AdamStep", "step 0", func(a *contractArgs) { a.step = 0 }, "AdamStep: step 0, want 1 or more"},
	{"EMAUpdate", "valid", nil, ""},
	{"EMAUpdate", "x", set("x", 9), "EMAUpdate: x is (9), want 10 elements"},

	{"AugmentForward", "valid", nil, ""},
	{"AugmentForward", "x rank", set("x", 2, 60), "AugmentForward: x is (2, 60), want 4 dimensions"},
	{"AugmentForward", "params", set("params", 2, 9), "AugmentForward: params is (2, 9), want (2, 10)"},
	{"AugmentForward", "out", set("out", 2, 3, 5, 4), "AugmentForward: out is (2, 3, 5, 4), want (2, 3, 4, 5)"},
	{"AugmentBackward", "valid", nil, ""},
	{"AugmentBackward", "nil dx", drop("dx"), "AugmentBackward: dx is nil, want (2, 3, 4, 5)"},
	{"AugmentBackward", "params batch", set("params", 3, nn.AugmentValues), "AugmentBackward: params is (3, 10), want (2, 10)"},

	{"ProjectionForward", "valid", nil, ""},
	{"ProjectionForward", "x without features", set("x", 3), "ProjectionForward: x is (3), want (N, ...) with features"},
	{"ProjectionForward", "w", set("w", 1, 2, 2, 1), "ProjectionForward: w is (1, 2, 2, 1), want 8 elements"},
	{"ProjectionForward", "table rank", set("table", 40), "ProjectionForward: table is (40), want 2 dimensions"},
	{"ProjectionForward", "table features", set("table", 5, 7), "ProjectionForward: table is (5, 7), want (5, 8)"},
	{"ProjectionForward", "labels", set("labels", 4), "ProjectionForward: labels is (4), want 3 elements"},
	{"ProjectionForward", "out", set("out", 3, 2), "ProjectionForward: out is (3, 2), want 3 elements"},
	{"ProjectionBackward", "valid", nil, ""},
	{"ProjectionBackward", "no gradients", func(a *contractArgs) {
		delete(a.shapes, "dx")
		delete(a.shapes, "dw")
		delete(a.shapes, "dtable")
	}, ""},
	{"ProjectionBackward", "dout", set("dout", 2, 1), "ProjectionBackward: dout is (2, 1), want 3 elements"},
	{"ProjectionBackward", "dx", set("dx", 3, 7), "ProjectionBackward: dx is (3, 7), want 24 elements"},
	{"ProjectionBackward", "dw", set("dw", 9), "ProjectionBackward: dw is (9), want 8 elements"},
	{"ProjectionBackward", "dtable", set("dtable", 4, 8), "ProjectionBackward: dtable is (4, 8), want 40 elements"},
}
