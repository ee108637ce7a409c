package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"gogan/checkpoints"
	"gogan/onnx/onnxpb"
)

// readONNX decodes an exported model.
func readONNX(t *testing.T, path string) *onnxpb.ModelProto {
	t.Helper()
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(readFile(t, path), &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &m
}

// checkWeightsFrom compares every float initializer of the model named after a state-dict
// entry with the checkpoint's tensor of that name under prefix.
func checkWeightsFrom(t *testing.T, m *onnxpb.ModelProto, ck, prefix string) {
	t.Helper()
	f, err := checkpoints.Read(ck)
	if err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, init := range m.Graph.Initializer {
		if strings.HasPrefix(init.Name, "class_") {
			continue
		}
		want, err := f.F32(prefix + init.Name)
		if err != nil {
			t.Fatalf("initializer %s: %v", init.Name, err)
		}
		got := make([]float32, len(init.RawData)/4)
		for i := range got {
			got[i] = math.Float32frombits(binary.LittleEndian.Uint32(init.RawData[4*i:]))
		}
		if !slices.Equal(got, want) {
			t.Errorf("initializer %s differs from the checkpoint's %s%s", init.Name, prefix, init.Name)
		}
		compared++
	}
	if compared == 0 {
		t.Error("the model has no weights")
	}
}

func TestExport(t *testing.T) {
	run := trainTiny(t, 3)
	ck := filepath.Join(run, "checkpoints", "latest.safetensors")
	dir := t.TempDir()
	at := func(name string) string { return filepath.Join(dir, name) }

	res := mustGan(t, "export", "--checkpoint", run, "--onnx", at("G.onnx"))
	if !strings.Contains(res.stdout, "moving average") || !strings.Contains(res.stdout, "z (N, 8, 1, 1)") {
		t.Errorf("stdout %q does not say which weights and inputs", res.stdout)
	}
	m := readONNX(t, at("G.onnx"))
	checkWeightsFrom(t, m, ck, "generator_ema.")
	if names := []string{m.Graph.Input[0].Name, m.Graph.Output[0].Name}; len(m.Graph.Input) != 1 || !slices.Equal(names, []string{"z", "image"}) {
		t.Errorf("graph values %v, want input z and output image", names)
	}

	mustGan(t, "export", "--checkpoint", ck, "--onnx", at("raw.onnx"), "--no-ema")
	checkWeightsFrom(t, readONNX(t, at("raw.onnx")), ck, "generator.")

	t.Run("no overwrite", func(t *testing.T) {
		before := readFile(t, at("G.onnx"))
		res := gan(t, "export", "--checkpoint", ck, "--onnx", at("G.onnx"), "--no-ema")
		expectOneLineError(t, res, "exists", "--force")
		if !bytes.Equal(readFile(t, at("G.onnx")), before) {
			t.Error("a refused export changed the file")
		}
		mustGan(t, "export", "--checkpoint", ck, "--onnx", at("G.onnx"), "--no-ema", "--force")
		if !bytes.Equal(readFile(t, at("G.onnx")), readFile(t, at("raw.onnx"))) {
			t.Error("--force did not replace the file with the trained generator's model")
		}
	})
	t.Run("bad input", func(t *testing.T) {
		expectOneLineError(t, gan(t, "export", "--onnx", at("x.onnx")), "--checkpoint")
		expectOneLineError(t, gan(t, "export", "--checkpoint", ck), "--onnx")
		expectOneLineError(t, gan(t, "export", "--checkpoint", ck, "--onnx", dir), "is a folder")
		expectOneLineError(t, gan(t, "export", "--checkpoint", dir, "--onnx", at("x.onnx")), "without checkpoints")
		if err := os.WriteFile(at("junk.safetensors"), []byte("not a checkpoint"), 0o644); err != nil {
			t.Fatal(err)
		}
		expectOneLineError(t, gan(t, "export", "--checkpoint", at("junk.safetensors"), "--onnx", at("x.onnx")))
		if _, err := os.Stat(at("x.onnx")); err == nil {
			t.Error("a failed export left x.onnx behind")
		}
	})
}

func TestExportConditional(t *testing.T) {
	run := trainTiny(t, 2, "--conditional")
	out := filepath.Join(t.TempDir(), "G.onnx")
	res := mustGan(t, "export", "--checkpoint", run, "--onnx", out)
	if !strings.Contains(res.stdout, "class (N) int64 in [0, 10)") {
		t.Errorf("stdout %q does not name the class input", res.stdout)
	}
	m := readONNX(t, out)
	checkWeightsFrom(t, m, filepath.Join(run, "checkpoints", "latest.safetensors"), "generator_ema.")
	var inputs []string
	for _, v := range m.Graph.Input {
		inputs = append(inputs, v.Name)
	}
	if !slices.Equal(inputs, []string{"z", "class"}) {
		t.Errorf("inputs %v, want z and class", inputs)
	}
	meta := map[string]string{}
	for _, e := range m.MetadataProps {
		meta[e.Key] = e.Value
	}
	if meta["classes"] != "10" || meta["class_names"] != `["0","1","2","3","4","5","6","7","8","9"]` || meta["weights"] != "moving average" {
		t.Errorf("metadata %v lacks the classes, their names or the weights' kind", meta)
	}
}
