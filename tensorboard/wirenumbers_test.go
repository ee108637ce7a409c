package tensorboard_test

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"gogan/tensorboard"
)

// tensorBoardField is a field as TensorBoard's own definitions number it: its name, its wire
// type and, for enums, the one value gogan writes (-1: any).
type tensorBoardField struct {
	name  string
	wire  protowire.Type
	value int64
}

// tensorBoardFields lists every field the Writer writes by its path of field numbers from the
// Event, with the numbers of TensorBoard's event.proto, summary.proto, tensor.proto,
// tensor_shape.proto and types.proto. The table is written apart from tbproto's .proto, so a
// wrong number there fails here even where the other writers' files are absent.
var tensorBoardFields = map[string]tensorBoardField{
	"1":           {"Event.wall_time", protowire.Fixed64Type, -1},
	"2":           {"Event.step", protowire.VarintType, -1},
	"3":           {"Event.file_version", protowire.BytesType, -1},
	"5":           {"Event.summary", protowire.BytesType, -1},
	"5.1":         {"Summary.value", protowire.BytesType, -1},
	"5.1.1":       {"Summary.Value.tag", protowire.BytesType, -1},
	"5.1.2":       {"Summary.Value.simple_value", protowire.Fixed32Type, -1},
	"5.1.4":       {"Summary.Value.image", protowire.BytesType, -1},
	"5.1.4.1":     {"Summary.Image.height", protowire.VarintType, -1},
	"5.1.4.2":     {"Summary.Image.width", protowire.VarintType, -1},
	"5.1.4.3":     {"Summary.Image.colorspace", protowire.VarintType, -1},
	"5.1.4.4":     {"Summary.Image.encoded_image_string", protowire.BytesType, -1},
	"5.1.8":       {"Summary.Value.tensor", protowire.BytesType, -1},
	"5.1.8.1":     {"TensorProto.dtype (DT_STRING)", protowire.VarintType, 7},
	"5.1.8.2":     {"TensorProto.tensor_shape", protowire.BytesType, -1},
	"5.1.8.2.2":   {"TensorShapeProto.dim", protowire.BytesType, -1},
	"5.1.8.2.2.1": {"TensorShapeProto.Dim.size", protowire.VarintType, -1},
	"5.1.8.8":     {"TensorProto.string_val", protowire.BytesType, -1},
	"5.1.9":       {"Summary.Value.metadata", protowire.BytesType, -1},
	"5.1.9.1":     {"SummaryMetadata.plugin_data", protowire.BytesType, -1},
	"5.1.9.1.1":   {"SummaryMetadata.PluginData.plugin_name", protowire.BytesType, -1},
	"7":           {"Event.session_log", protowire.BytesType, -1},
	"7.1":         {"SessionLog.status (START)", protowire.VarintType, 1},
}

// TestWireNumbersAreTensorBoards walks the raw bytes of every event a run and its resume
// write: each field must be one of TensorBoard's, with its wire type, and every field of the
// table must occur.
func TestWireNumbersAreTensorBoards(t *testing.T) {
	dir := t.TempDir()
	w, err := tensorboard.Open(dir, 0)
	must(t, err)
	must(t, w.Text(tensorboard.TagConfig, 0, "| lr | 2e-4 |"))
	must(t, w.Scalar(tensorboard.TagLossD, 1, 0.5))
	must(t, w.Image(tensorboard.TagSamples, 1, testPNG(t, 3, 2), 3, 2, 1))
	must(t, w.Close())
	w, err = tensorboard.Open(dir, 1)
	must(t, err)
	must(t, w.Close())

	seen := map[string]bool{}
	for _, file := range eventFiles(t, dir) {
		b, err := os.ReadFile(file)
		must(t, err)
		err = tensorboard.ReadRecords(bytes.NewReader(b), int64(len(b)), func(data []byte) error {
			walkFields(t, "", data, seen)
			return nil
		})
		must(t, err)
	}
	for path, f := range tensorBoardFields {
		if !seen[path] {
			t.Errorf("%s (%s) never written", f.name, path)
		}
	}
}

// walkFields checks the fields of the message b found at path prefix, and those of the
// messages inside it.
func walkFields(t *testing.T, prefix string, b []byte, seen map[string]bool) {
	t.Helper()
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("at %q: %v", prefix, protowire.ParseError(n))
		}
		b = b[n:]
		path := strings.TrimPrefix(prefix+"."+strconv.Itoa(int(num)), ".")
		want, ok := tensorBoardFields[path]
		switch {
		case !ok:
			t.Errorf("field %s (wire type %d) is none of TensorBoard's that gogan writes", path, typ)
		case typ != want.wire:
			t.Errorf("%s (%s): wire type %d, want %d", want.name, path, typ, want.wire)
		}
		seen[path] = true
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			t.Fatalf("%s: %v", path, protowire.ParseError(n))
		}
		switch typ {
		case protowire.VarintType:
			if v, _ := protowire.ConsumeVarint(b); ok && want.value >= 0 && int64(v) != want.value {
				t.Errorf("%s (%s) = %d, want %d", want.name, path, v, want.value)
			}
		case protowire.BytesType:
			if inner, _ := protowire.ConsumeBytes(b); isMessage(path) {
				walkFields(t, path, inner, seen)
			}
		}
		b = b[n:]
	}
}

// isMessage reports whether the table lists fields inside path.
func isMessage(path string) bool {
	for p := range tensorBoardFields {
		if strings.HasPrefix(p, path+".") {
			return true
		}
	}
	return false
}
