package onnx

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"google.golang.org/protobuf/proto"

	"gogan/models"
	"gogan/nn"
	"gogan/onnx/onnxpb"
)

// The versions the model declares; the package doc says why these.
const (
	Opset     = 17
	IRVersion = 8
)

// The names of the graph's inputs and output.
const (
	InputLatent = "z"
	InputClass  = "class"
	OutputImage = "image"
	// BatchDim names the dynamic batch dimension of the inputs and the output.
	BatchDim = "N"
)

// maxModelBytes is protobuf's limit on one message: a larger model needs ONNX's external
// data files, which gogan does not write. Far above any DCGAN generator (dcgan64 at ngf 64
// is 14 MB), it is reached only by absurd widths.
const maxModelBytes = 2<<30 - 1

// Generator describes the generator to export.
type Generator struct {
	Net        *nn.Network   // the generator, with the weights to export
	Config     models.Config // its architecture and sizes
	ClassNames []string      // a conditional generator's class names, in class order; may be nil
	// Metadata is added to the model's metadata after the architecture and sizes, e.g. the
	// checkpoint it came from and whether its weights are the moving average.
	Metadata [][2]string
	// ProducerVersion is the gogan version that wrote the model; may be empty.
	ProducerVersion string
}

// Model builds the ONNX model of a generator.
func Model(g Generator) (*onnxpb.ModelProto, error) {
	c := g.Config
	want := nn.Shape{c.NZ + c.Classes, 1, 1}
	if !g.Net.InShape().Equal(want) {
		return nil, fmt.Errorf("onnx: the network takes %v per sample, but a generator of nz %d and %d classes takes %v", g.Net.InShape(), c.NZ, c.Classes, want)
	}
	if err := checkSize(g.Net); err != nil {
		return nil, err
	}
	b := newGraph(g.Net)
	x := b.inputs(c)
	layers := g.Net.Layers()
	shape := g.Net.InShape()
	for i, l := range layers {
		out := strconv.Itoa(i) + ".output"
		if i == len(layers)-1 {
			out = OutputImage
		}
		next, err := b.layer(i, l, x, out, shape)
		if err != nil {
			return nil, err
		}
		x, shape = out, next
		if out != OutputImage {
			b.g.ValueInfo = append(b.g.ValueInfo, tensorInfo(out, onnxpb.TensorProto_FLOAT, shape))
		}
	}
	b.g.Output = []*onnxpb.ValueInfoProto{tensorInfo(OutputImage, onnxpb.TensorProto_FLOAT, shape)}
	return &onnxpb.ModelProto{
		IrVersion:       IRVersion,
		OpsetImport:     []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:    "gogan",
		ProducerVersion: g.ProducerVersion,
		DocString:       doc(c, shape),
		Graph:           b.g,
		MetadataProps:   metadata(g),
	}, nil
}

// doc describes the model's interface in a line.
func doc(c models.Config, out nn.Shape) string {
	in := fmt.Sprintf("z (N, %d, 1, 1)", c.NZ)
	if c.Classes > 0 {
		in += fmt.Sprintf(" and class (N) in [0, %d)", c.Classes)
	}
	return fmt.Sprintf("gogan %s generator: %s → image (N, %d, %d, %d) in [-1, 1]", c.Arch, in, out[0], out[1], out[2])
}

// Marshal builds the model and encodes it as the bytes of an .onnx file.
func Marshal(g Generator) ([]byte, error) {
	m, err := Model(g)
	if err != nil {
		return nil, err
	}
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("onnx: encode the model: %w", err)
	}
	return out, nil
}

// checkSize refuses a network whose weights protobuf cannot hold, before they are copied.
func checkSize(net *nn.Network) error {
	var n int64
	for _, p := range append(append([]nn.Named(nil), net.Parameters()...), net.BufferList()...) {
		n += 4 * int64(p.Tensor.Len())
	}
	if n > maxModelBytes {
		return fmt.Errorf("onnx: %.1f GB of weights is more than the 2 GB an ONNX file can hold without external data", float64(n)/1e9)
	}
	return nil
}

// metadata lists the architecture, the sizes and the caller's entries.
func metadata(g Generator) []*onnxpb.StringStringEntryProto {
	c := g.Config
	kv := [][2]string{
		{"arch", c.Arch},
		{"nz", strconv.Itoa(c.NZ)},
		{"ngf", strconv.Itoa(c.NGF)},
		{"nc", strconv.Itoa(c.NC)},
		{"image_size", strconv.Itoa(c.ImageSize())},
		{"classes", strconv.Itoa(c.Classes)},
		{"output_range", "[-1, 1]"},
	}
	if len(g.ClassNames) > 0 {
		names, _ := json.Marshal(g.ClassNames) // a []string always encodes
		kv = append(kv, [2]string{"class_names", string(names)})
	}
	kv = append(kv, g.Metadata...)
	out := make([]*onnxpb.StringStringEntryProto, len(kv))
	for i, e := range kv {
		out[i] = &onnxpb.StringStringEntryProto{Key: e[0], Value: e[1]}
	}
	return out
}

// graph builds a GraphProto node by node.
type graph struct {
	net *nn.Network
	g   *onnxpb.GraphProto
}

func newGraph(net *nn.Network) *graph {
	return &graph{net: net, g: &onnxpb.GraphProto{Name: "gogan_generator"}}
}

// inputs declares z, and for a conditional generator class with the nodes that append its
// one-hot code to z; it returns the name of the first layer's input.
func (b *graph) inputs(c models.Config) string {
	b.g.Input = append(b.g.Input, tensorInfo(InputLatent, onnxpb.TensorProto_FLOAT, nn.Shape{c.NZ, 1, 1}))
	if c.Classes == 0 {
		return InputLatent
	}
	b.g.Input = append(b.g.Input, tensorInfo(InputClass, onnxpb.TensorProto_INT64, nil))
	b.g.Initializer = append(b.g.Initializer,
		int64Tensor("class_depth", nil, int64(c.Classes)),
		floatTensor("class_off_on", nn.Shape{2}, []float32{0, 1}),
		int64Tensor("class_axes", nn.Shape{2}, 2, 3))
	b.node("class_OneHot", "OneHot", []string{InputClass, "class_depth", "class_off_on"}, "class_onehot", attrInt("axis", -1))
	b.node("class_Unsqueeze", "Unsqueeze", []string{"class_onehot", "class_axes"}, "class_code")
	b.node("z_class_Concat", "Concat", []string{InputLatent, "class_code"}, "z_class", attrInt("axis", 1))
	b.g.ValueInfo = append(b.g.ValueInfo,
		tensorInfo("class_onehot", onnxpb.TensorProto_FLOAT, nn.Shape{c.Classes}),
		tensorInfo("class_code", onnxpb.TensorProto_FLOAT, nn.Shape{c.Classes, 1, 1}),
		tensorInfo("z_class", onnxpb.TensorProto_FLOAT, nn.Shape{c.NZ + c.Classes, 1, 1}))
	return "z_class"
}

// layer adds the node of layer i, reading x (N, in...) and writing out, with the layer's
// parameters and buffers as initializers; it returns the per-sample output shape.
func (b *graph) layer(i int, l nn.Layer, x, out string, in nn.Shape) (nn.Shape, error) {
	plan, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	name := strconv.Itoa(i)
	inputs := []string{x}
	for _, s := range append(append([]nn.ParamSpec(nil), plan.Params...), plan.Buffers...) {
		t, err := b.initializer(name + "." + s.Name)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, t)
	}
	switch l := l.(type) {
	case *nn.ConvTranspose2d:
		p := l.ConvParams
		attrs := []*onnxpb.AttributeProto{
			attrInts("kernel_shape", p.Kernel, p.Kernel), attrInts("strides", p.Stride, p.Stride),
			attrInts("pads", p.Pad, p.Pad, p.Pad, p.Pad), attrInts("dilations", 1, 1), attrInt("group", 1)}
		if p.OutputPad != 0 {
			attrs = append(attrs, attrInts("output_padding", p.OutputPad, p.OutputPad))
		}
		b.node(name+"_ConvTranspose", "ConvTranspose", inputs, out, attrs...)
	case *nn.BatchNorm:
		eps := l.Eps
		if eps == 0 {
			eps = 1e-5 // nn.BatchNorm's default, PyTorch's
		}
		b.node(name+"_BatchNormalization", "BatchNormalization", inputs, out, attrFloat("epsilon", eps))
	case *nn.Act:
		op, attrs, err := activation(l.Activation)
		if err != nil {
			return nil, fmt.Errorf("onnx: layer %d: %w", i, err)
		}
		b.node(name+"_"+op, op, inputs, out, attrs...)
	default:
		return nil, fmt.Errorf("onnx: layer %d, %v, has no ONNX export (a generator holds transposed convolutions, BatchNorm and activations)", i, l)
	}
	return plan.Out, nil
}

// activation maps an activation to its ONNX operator.
func activation(a nn.Activation) (string, []*onnxpb.AttributeProto, error) {
	switch a.Kind {
	case nn.ReLU:
		return "Relu", nil, nil
	case nn.Tanh:
		return "Tanh", nil, nil
	case nn.Sigmoid:
		return "Sigmoid", nil, nil
	case nn.LeakyReLU:
		return "LeakyRelu", []*onnxpb.AttributeProto{attrFloat("alpha", a.Slope)}, nil
	}
	return "", nil, fmt.Errorf("activation %v has no ONNX export", a)
}

// initializer adds the network's parameter or buffer of a state-dict name as an initializer
// of the same name and returns the name.
func (b *graph) initializer(name string) (string, error) {
	p := b.net.Named(name)
	if p == nil {
		return "", fmt.Errorf("onnx: the network has no tensor %q", name)
	}
	values := make([]float32, p.Tensor.Len())
	b.net.Backend().Download(values, p.Tensor)
	for k, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return "", fmt.Errorf("onnx: %s[%d] is %v: the generator's weights are not finite", name, k, v)
		}
	}
	b.g.Initializer = append(b.g.Initializer, floatTensor(name, p.Tensor.Shape, values))
	return name, nil
}

func (b *graph) node(name, op string, inputs []string, output string, attrs ...*onnxpb.AttributeProto) {
	b.g.Node = append(b.g.Node, &onnxpb.NodeProto{Name: name, OpType: op, Input: inputs, Output: []string{output}, Attribute: attrs})
}

// floatTensor is a float32 constant, its elements little-endian in raw_data as ONNX asks.
func floatTensor(name string, shape nn.Shape, values []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims(shape), DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw}
}

// int64Tensor is an int64 constant; shape nil makes a scalar.
func int64Tensor(name string, shape nn.Shape, values ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, Dims: dims(shape), DataType: int32(onnxpb.TensorProto_INT64), Int64Data: values}
}

func dims(s nn.Shape) []int64 {
	out := make([]int64, len(s))
	for i, d := range s {
		out[i] = int64(d)
	}
	return out
}

// tensorInfo declares a value of shape (N, per...), N being the dynamic batch.
func tensorInfo(name string, elem onnxpb.TensorProto_DataType, per nn.Shape) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
		{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: BatchDim}}}}
	for _, d := range per {
		shape.Dim = append(shape.Dim, &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}})
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(elem), Shape: shape}}}}
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func attrInts(name string, vs ...int) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: dims(vs)}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}
