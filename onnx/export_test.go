package onnx

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"gogan/models"
	"gogan/nn"
	"gogan/onnx/onnxpb"
)

// wantOps are the operators of each test case's graph in order, written out by hand from
// models.Generator, so that a layer exported as the wrong operator, or not at all, shows.
var wantOps = map[string][]string{
	"dcgan28": {"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "BatchNormalization", "Relu",
		"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "Tanh"},
	"dcgan64": {"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "BatchNormalization", "Relu",
		"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "Tanh"},
	"conditional dcgan28": {"OneHot", "Unsqueeze", "Concat",
		"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "BatchNormalization", "Relu",
		"ConvTranspose", "BatchNormalization", "Relu", "ConvTranspose", "Tanh"},
}

// decodeModel exports the generator and reads the bytes back, so that the checks see what a
// reader of the file sees.
func decodeModel(t *testing.T, g *nn.Network, cfg models.Config) *onnxpb.ModelProto {
	t.Helper()
	data, err := Marshal(Generator{Net: g, Config: cfg, Metadata: [][2]string{{"weights", "moving average"}}})
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func TestModelHeader(t *testing.T) {
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			m := decodeModel(t, testGenerator(t, tc.cfg, 1), tc.cfg)
			if m.IrVersion != 8 || len(m.OpsetImport) != 1 || m.OpsetImport[0].Domain != "" || m.OpsetImport[0].Version != 17 {
				t.Errorf("IR version %d, opsets %v; want IR 8 and the default domain at opset 17", m.IrVersion, m.OpsetImport)
			}
			if m.ProducerName != "gogan" {
				t.Errorf("producer %q, want gogan", m.ProducerName)
			}
			meta := map[string]string{}
			for _, e := range m.MetadataProps {
				meta[e.Key] = e.Value
			}
			c := tc.cfg
			want := map[string]string{"arch": c.Arch, "nz": strconv.Itoa(c.NZ), "ngf": strconv.Itoa(c.NGF), "nc": strconv.Itoa(c.NC),
				"image_size": strconv.Itoa(c.ImageSize()), "classes": strconv.Itoa(c.Classes), "weights": "moving average"}
			for k, v := range want {
				if meta[k] != v {
					t.Errorf("metadata %s = %q, want %q", k, meta[k], v)
				}
			}
		})
	}
}

// shapeOf reads a value's declared type as (elem type, dims), the batch dimension as -1.
func shapeOf(t *testing.T, v *onnxpb.ValueInfoProto) (onnxpb.TensorProto_DataType, []int) {
	t.Helper()
	tt := v.GetType().GetTensorType()
	var dims []int
	for _, d := range tt.GetShape().GetDim() {
		switch {
		case d.GetDimParam() == BatchDim:
			dims = append(dims, -1)
		case d.GetDimParam() != "":
			t.Errorf("%s has symbolic dimension %q, want only %q", v.Name, d.GetDimParam(), BatchDim)
		default:
			dims = append(dims, int(d.GetDimValue()))
		}
	}
	return onnxpb.TensorProto_DataType(tt.GetElemType()), dims
}

func TestModelInputsOutputs(t *testing.T) {
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cfg
			m := decodeModel(t, testGenerator(t, c, 1), c)
			type value struct {
				name string
				elem onnxpb.TensorProto_DataType
				dims []int
			}
			want := []value{{"z", onnxpb.TensorProto_FLOAT, []int{-1, c.NZ, 1, 1}}}
			if c.Classes > 0 {
				want = append(want, value{"class", onnxpb.TensorProto_INT64, []int{-1}})
			}
			s := c.ImageSize()
			want = append(want, value{"image", onnxpb.TensorProto_FLOAT, []int{-1, c.NC, s, s}})
			got := slices.Concat(m.Graph.Input, m.Graph.Output)
			if len(got) != len(want) || len(m.Graph.Output) != 1 {
				t.Fatalf("%d inputs and %d outputs, want %v", len(m.Graph.Input), len(m.Graph.Output), want)
			}
			for i, w := range want {
				elem, dims := shapeOf(t, got[i])
				if got[i].Name != w.name || elem != w.elem || !slices.Equal(dims, w.dims) {
					t.Errorf("graph value %d is %s %v %v, want %s %v %v", i, got[i].Name, elem, dims, w.name, w.elem, w.dims)
				}
			}
		})
	}
}

// TestModelNodesFollowTheNetwork walks the graph: each layer's node reads the previous
// node's output and the layer's parameters under their state-dict names, and declares the
// output shape the layer plans.
func TestModelNodesFollowTheNetwork(t *testing.T) {
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			g := testGenerator(t, tc.cfg, 1)
			m := decodeModel(t, g, tc.cfg)
			var ops []string
			for _, n := range m.Graph.Node {
				ops = append(ops, n.OpType)
			}
			if !slices.Equal(ops, wantOps[tc.name]) {
				t.Fatalf("operators %v, want %v", ops, wantOps[tc.name])
			}
			declared := map[string][]int{}
			for _, v := range slices.Concat(m.Graph.Input, m.Graph.ValueInfo, m.Graph.Output) {
				_, declared[v.Name] = shapeOf(t, v)
			}
			layerNodes := m.Graph.Node[len(m.Graph.Node)-len(g.Layers()):]
			prev := "z"
			if tc.cfg.Classes > 0 {
				prev = m.Graph.Node[2].Output[0] // the Concat of z and the class code
			}
			shape := g.InShape()
			for i, l := range g.Layers() {
				n := layerNodes[i]
				plan, err := l.Plan(shape)
				if err != nil {
					t.Fatal(err)
				}
				wantIn := []string{prev}
				for _, s := range slices.Concat(plan.Params, plan.Buffers) {
					wantIn = append(wantIn, strconv.Itoa(i)+"."+s.Name)
				}
				if !slices.Equal(n.Input, wantIn) {
					t.Errorf("node %s reads %v, want %v", n.Name, n.Input, wantIn)
				}
				if len(n.Output) != 1 || !slices.Equal(declared[n.Output[0]], append([]int{-1}, plan.Out...)) {
					t.Errorf("node %s writes %v declared %v, want shape (N, %v)", n.Name, n.Output, declared[n.Output[0]], plan.Out)
				}
				if conv, ok := l.(*nn.ConvTranspose2d); ok {
					checkConvAttrs(t, n, conv.ConvParams)
				}
				prev, shape = n.Output[0], plan.Out
			}
			if prev != "image" {
				t.Errorf("the last layer writes %q, want the output image", prev)
			}
		})
	}
}

func checkConvAttrs(t *testing.T, n *onnxpb.NodeProto, p nn.ConvParams) {
	t.Helper()
	want := map[string][]int64{
		"kernel_shape": {int64(p.Kernel), int64(p.Kernel)}, "strides": {int64(p.Stride), int64(p.Stride)},
		"pads": {int64(p.Pad), int64(p.Pad), int64(p.Pad), int64(p.Pad)}, "dilations": {1, 1}}
	for _, a := range n.Attribute {
		if w, ok := want[a.Name]; ok {
			if a.Type != onnxpb.AttributeProto_INTS || !slices.Equal(a.Ints, w) {
				t.Errorf("node %s: %s = %v (%v), want ints %v", n.Name, a.Name, a.Ints, a.Type, w)
			}
			delete(want, a.Name)
		}
	}
	for name := range want {
		t.Errorf("node %s lacks attribute %s", n.Name, name)
	}
}

// TestModelInitializersAreTheWeights checks that every parameter and buffer is an
// initializer of its state-dict name, shape and exact values, and that nothing else is but
// the conditional graph's constants.
func TestModelInitializersAreTheWeights(t *testing.T) {
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			g := testGenerator(t, tc.cfg, 1)
			m := decodeModel(t, g, tc.cfg)
			state := g.State()
			seen := map[string]bool{}
			for _, init := range m.Graph.Initializer {
				seen[init.Name] = true
				want, ok := state[init.Name]
				if !ok {
					if tc.cfg.Classes == 0 || !strings.HasPrefix(init.Name, "class_") {
						t.Errorf("initializer %s is not one of the network's tensors", init.Name)
					}
					continue
				}
				if init.DataType != int32(onnxpb.TensorProto_FLOAT) || !slices.Equal(init.Dims, dims(nn.Shape(want.Shape()))) {
					t.Errorf("initializer %s: type %d dims %v, want float %v", init.Name, init.DataType, init.Dims, want.Shape())
					continue
				}
				values := want.Data().([]float32)
				if len(init.RawData) != 4*len(values) {
					t.Errorf("initializer %s holds %d bytes, want %d", init.Name, len(init.RawData), 4*len(values))
					continue
				}
				for k, v := range values {
					if got := math.Float32frombits(binary.LittleEndian.Uint32(init.RawData[4*k:])); got != v {
						t.Errorf("initializer %s[%d] = %g, want %g", init.Name, k, got, v)
						break
					}
				}
			}
			for _, name := range g.StateNames() {
				if !seen[name] {
					t.Errorf("no initializer for %s", name)
				}
			}
		})
	}
}
