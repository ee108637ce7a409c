package nn

// The contracts of the layer ops, which also return the sizes the kernels need.

// LinearGeometry is a Linear layer's sizes: x (N, In), w (Out, In), out (N, Out).
type LinearGeometry struct{ N, In, Out int }

// CheckLinearForward is LinearForward's contract.
func CheckLinearForward(out, x, w, bias *Tensor) (LinearGeometry, error) {
	const op = "LinearForward"
	g, err := linearGeometry(op, x, w)
	if err != nil {
		return g, err
	}
	return g, firstError(shapeIs(op, "out", out, g.N, g.Out), optionalShapeIs(op, "bias", bias, g.Out))
}

// CheckLinearBackward is LinearBackward's contract; dx, dw and db may each be nil.
func CheckLinearBackward(dx, dw, db, dout, x, w *Tensor) (LinearGeometry, error) {
	const op = "LinearBackward"
	g, err := linearGeometry(op, x, w)
	if err != nil {
		return g, err
	}
	return g, firstError(
		shapeIs(op, "dout", dout, g.N, g.Out),
		optionalShapeIs(op, "dx", dx, g.N, g.In),
		optionalShapeIs(op, "dw", dw, g.Out, g.In),
		optionalShapeIs(op, "db", db, g.Out))
}

func linearGeometry(op string, x, w *Tensor) (LinearGeometry, error) {
	if err := firstError(rankIs(op, "x", x, 2), rankIs(op, "w", w, 2)); err != nil {
		return LinearGeometry{}, err
	}
	g := LinearGeometry{N: x.Shape[0], In: x.Shape[1], Out: w.Shape[0]}
	return g, shapeIs(op, "w", w, g.Out, g.In)
}

// ConvGeometry is a convolution's or a transposed convolution's sizes: x (N, C, H, W), out
// (N, O, OH, OW), a square kernel. The weight is (O, C, K, K) for a convolution and
// (C, O, K, K), PyTorch's layout, for a transposed one.
type ConvGeometry struct {
	N, C, H, W int // input
	O, OH, OW  int // output
	ConvParams
}

// Columns relates an image (N, C, H, W) to the columns of a square-kernel convolution over
// it, the unfolding (im2col) that both backends multiply: column position (oh, ow) of kernel
// tap (ki, kj) reads pixel (oh·S−P+ki, ow·S−P+kj).
type Columns struct {
	N, C, H, W int // image
	OH, OW     int // column positions
	K, S, P    int
}

// Rows is the number of column rows, C·K·K; Cols the number of columns, N·OH·OW.
func (g Columns) Rows() int { return g.C * g.K * g.K }
func (g Columns) Cols() int { return g.N * g.OH * g.OW }

// Columns of a convolution: the image is its input, the columns its output positions.
func (g ConvGeometry) Columns() Columns {
	return Columns{N: g.N, C: g.C, H: g.H, W: g.W, OH: g.OH, OW: g.OW, K: g.Kernel, S: g.Stride, P: g.Pad}
}

// TransposedColumns of a transposed convolution: the image is its output, the columns its
// input positions.
func (g ConvGeometry) TransposedColumns() Columns {
	return Columns{N: g.N, C: g.O, H: g.OH, W: g.OW, OH: g.H, OW: g.W, K: g.Kernel, S: g.Stride, P: g.Pad}
}

// CheckConv2DForward is Conv2DForward's contract.
func CheckConv2DForward(out, x, w, bias *Tensor, p ConvParams) (ConvGeometry, error) {
	return convForward("Conv2DForward", out, x, w, bias, p, false)
}

// CheckConv2DBackward is Conv2DBackward's contract; dx, dw and db may each be nil.
func CheckConv2DBackward(dx, dw, db, dout, x, w *Tensor, p ConvParams) (ConvGeometry, error) {
	return convBackward("Conv2DBackward", dx, dw, db, dout, x, w, p, false)
}

// CheckConvTranspose2DForward is ConvTranspose2DForward's contract.
func CheckConvTranspose2DForward(out, x, w, bias *Tensor, p ConvParams) (ConvGeometry, error) {
	return convForward("ConvTranspose2DForward", out, x, w, bias, p, true)
}

// CheckConvTranspose2DBackward is ConvTranspose2DBackward's contract; dx, dw and db may each
// be nil.
func CheckConvTranspose2DBackward(dx, dw, db, dout, x, w *Tensor, p ConvParams) (ConvGeometry, error) {
	return convBackward("ConvTranspose2DBackward", dx, dw, db, dout, x, w, p, true)
}

func convForward(op string, out, x, w, bias *Tensor, p ConvParams, transposed bool) (ConvGeometry, error) {
	g, err := convGeometry(op, x, w, p, transposed)
	if err != nil {
		return g, err
	}
	return g, firstError(shapeIs(op, "out", out, g.N, g.O, g.OH, g.OW), optionalShapeIs(op, "bias", bias, g.O))
}

func convBackward(op string, dx, dw, db, dout, x, w *Tensor, p ConvParams, transposed bool) (ConvGeometry, error) {
	g, err := convGeometry(op, x, w, p, transposed)
	if err != nil {
		return g, err
	}
	return g, convGrads(op, g, dx, dw, db, dout, x, w)
}

// convGeometry checks the parameters, x and w of a convolution (transposed or not) and
// derives the output's size, which must be at least one pixel. Output padding, which only
// transposed convolutions have, must stay below the stride, as in PyTorch.
func convGeometry(op string, x, w *Tensor, p ConvParams, transposed bool) (ConvGeometry, error) {
	if p.Kernel < 1 || p.Stride < 1 || p.Pad < 0 {
		return ConvGeometry{}, shapeErrorf(op, "kernel %d, stride %d, pad %d: want kernel and stride of 1 or more, pad of 0 or more",
			p.Kernel, p.Stride, p.Pad)
	}
	if !transposed && p.OutputPad != 0 {
		return ConvGeometry{}, shapeErrorf(op, "output pad %d: transposed convolutions only", p.OutputPad)
	}
	if transposed && (p.OutputPad < 0 || p.OutputPad >= p.Stride) {
		return ConvGeometry{}, shapeErrorf(op, "output pad %d, stride %d: want output pad of 0 or more, below the stride", p.OutputPad, p.Stride)
	}
	if err := firstError(rankIs(op, "x", x, 4), rankIs(op, "w", w, 4)); err != nil {
		return ConvGeometry{}, err
	}
	g := ConvGeometry{N: x.Shape[0], C: x.Shape[1], H: x.Shape[2], W: x.Shape[3], ConvParams: p}
	if transposed {
		g.O, g.OH, g.OW = w.Shape[1], p.ConvTransposeOut(g.H), p.ConvTransposeOut(g.W)
		if err := shapeIs(op, "w", w, g.C, g.O, p.Kernel, p.Kernel); err != nil {
			return g, err
		}
	} else {
		g.O, g.OH, g.OW = w.Shape[0], p.ConvOut(g.H), p.ConvOut(g.W)
		if err := shapeIs(op, "w", w, g.O, g.C, p.Kernel, p.Kernel); err != nil {
			return g, err
		}
	}
	// A padded input smaller than the kernel makes no output pixel; ConvOut rounds towards
	// zero, so test the padded size itself.
	if g.OH < 1 || g.OW < 1 || (!transposed && (g.H+2*p.Pad < p.Kernel || g.W+2*p.Pad < p.Kernel)) {
		return g, shapeErrorf(op, "x is %v: kernel %d, stride %d, pad %d leave no output pixel", x.Shape, p.Kernel, p.Stride, p.Pad)
	}
	return g, nil
}

// convGrads checks the operands of a convolution's backward pass.
func convGrads(op string, g ConvGeometry, dx, dw, db, dout, x, w *Tensor) error {
	return firstError(
		shapeIs(op, "dout", dout, g.N, g.O, g.OH, g.OW),
		optionalShapeIs(op, "dx", dx, x.Shape...),
		optionalShapeIs(op, "dw", dw, w.Shape...),
		optionalShapeIs(op, "db", db, g.O))
}

// BatchNormGeometry is a BatchNorm's sizes: x (N, C, S), S = H·W, 1 for BatchNorm1d.
type BatchNormGeometry struct{ N, C, S int }

// CheckBatchNormForward is BatchNormForward's contract: every per-channel tensor is (C), and
// in training each channel has more than one value, as the unbiased variance needs.
func CheckBatchNormForward(out, x, weight, bias, runningMean, runningVar, saveMean, saveInvStd *Tensor, p BatchNormParams) (BatchNormGeometry, error) {
	const op = "BatchNormForward"
	if err := rankIs(op, "x", x, 3); err != nil {
		return BatchNormGeometry{}, err
	}
	g := BatchNormGeometry{N: x.Shape[0], C: x.Shape[1], S: x.Shape[2]}
	if err := firstError(
		shapeIs(op, "out", out, g.N, g.C, g.S),
		shapeIs(op, "weight", weight, g.C),
		shapeIs(op, "bias", bias, g.C),
		shapeIs(op, "runningMean", runningMean, g.C),
		shapeIs(op, "runningVar", runningVar, g.C),
		shapeIs(op, "saveMean", saveMean, g.C),
		shapeIs(op, "saveInvStd", saveInvStd, g.C)); err != nil {
		return g, err
	}
	if p.Training && g.N*g.S < 2 {
		return g, shapeErrorf(op, "x is %v: training needs more than one value per channel", x.Shape)
	}
	return g, nil
}

// CheckBatchNormBackward is BatchNormBackward's contract; dx, dweight and dbias may each be
// nil.
func CheckBatchNormBackward(dx, dweight, dbias, dout, x, weight, saveMean, saveInvStd *Tensor) (BatchNormGeometry, error) {
	const op = "BatchNormBackward"
	if err := rankIs(op, "x", x, 3); err != nil {
		return BatchNormGeometry{}, err
	}
	g := BatchNormGeometry{N: x.Shape[0], C: x.Shape[1], S: x.Shape[2]}
	return g, firstError(
		shapeIs(op, "dout", dout, g.N, g.C, g.S),
		optionalShapeIs(op, "dx", dx, g.N, g.C, g.S),
		optionalShapeIs(op, "dweight", dweight, g.C),
		optionalShapeIs(op, "dbias", dbias, g.C),
		shapeIs(op, "weight", weight, g.C),
		shapeIs(op, "saveMean", saveMean, g.C),
		shapeIs(op, "saveInvStd", saveInvStd, g.C))
}

// ProjectionGeometry is a projection's sizes: x (N, ...) read as (N, F), K classes.
type ProjectionGeometry struct{ N, K, F int }

// CheckProjectionForward is ProjectionForward's contract: w holds F values, table is (K, F),
// labels and out hold N. The labels' values are the caller's to keep in [0, K).
func CheckProjectionForward(out, x, w, table, labels *Tensor) (ProjectionGeometry, error) {
	const op = "ProjectionForward"
	g, err := projectionGeometry(op, x, w, table, labels)
	if err != nil {
		return g, err
	}
	return g, lenIs(op, "out", out, g.N)
}

// CheckProjectionBackward is ProjectionBackward's contract; dx, dw and dtable may each be nil.
func CheckProjectionBackward(dx, dw, dtable, dout, x, w, table, labels *Tensor) (ProjectionGeometry, error) {
	const op = "ProjectionBackward"
	g, err := projectionGeometry(op, x, w, table, labels)
	if err != nil {
		return g, err
	}
	if err := lenIs(op, "dout", dout, g.N); err != nil {
		return g, err
	}
	if dx != nil {
		err = lenIs(op, "dx", dx, g.N*g.F)
	}
	if err == nil && dw != nil {
		err = lenIs(op, "dw", dw, g.F)
	}
	if err == nil && dtable != nil {
		err = lenIs(op, "dtable", dtable, g.K*g.F)
	}
	return g, err
}

func projectionGeometry(op string, x, w, table, labels *Tensor) (ProjectionGeometry, error) {
	if err := present(op, "x", x); err != nil {
		return ProjectionGeometry{}, err
	}
	if len(x.Shape) < 2 {
		return ProjectionGeometry{}, shapeErrorf(op, "x is %v, want (N, ...) with features", x.Shape)
	}
	g := ProjectionGeometry{N: x.Shape[0], F: x.Shape[1:].Size()}
	if err := firstError(lenIs(op, "w", w, g.F), rankIs(op, "table", table, 2)); err != nil {
		return g, err
	}
	g.K = table.Shape[0]
	return g, firstError(shapeIs(op, "table", table, g.K, g.F), lenIs(op, "labels", labels, g.N))
}
