package tensorboard_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gogan/tensorboard"
)

// A second reader in another language: Python's protobuf library (Debian's python3-protobuf)
// decodes the events, with messages compiled by protoc from the project's .proto, and
// testdata/read_events.py checks the framing with a CRC-32C of its own. The Go code under
// test shares neither the framing nor the generated decoder with it.

const python = "/usr/bin/python3"

// pythonFlags keep the interpreter to Debian's packages: no user site, no PYTHON* variables.
var pythonFlags = []string{"-s", "-E"}

// needPythonReader skips t unless protoc and Debian's python3-protobuf are installed.
func needPythonReader(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("protoc"); err != nil {
		t.Skip("protoc is absent (apt-get install protobuf-compiler): the Python reader compiles the .proto with it")
	}
	args := append(append([]string{}, pythonFlags...), "-c", "import google.protobuf")
	if err := exec.Command(python, args...).Run(); err != nil {
		t.Skipf("%s cannot import google.protobuf (apt-get install python3-protobuf): %v", python, err)
	}
}

// pyEvent and pyValue are the JSON that read_events.py prints for each event.
type pyEvent struct {
	WallTime    float64   `json:"wall_time"`
	Step        int64     `json:"step"`
	FileVersion string    `json:"file_version"`
	SessionLog  string    `json:"session_log"`
	Writer      string    `json:"writer"`
	Values      []pyValue `json:"values"`
}

type pyValue struct {
	Tag         string   `json:"tag"`
	Kind        string   `json:"kind"`
	SimpleValue float32  `json:"simple_value"`
	Height      int      `json:"height"`
	Width       int      `json:"width"`
	Colorspace  int      `json:"colorspace"`
	PNGBytes    int      `json:"png_bytes"`
	PNGSHA256   string   `json:"png_sha256"`
	Dtype       string   `json:"dtype"`
	Shape       []int64  `json:"shape"`
	Strings     []string `json:"strings"`
	Plugin      string   `json:"plugin"`
}

// readWithPython runs read_events.py on files and returns each file's events.
func readWithPython(t *testing.T, files ...string) [][]pyEvent {
	t.Helper()
	args := append(append([]string{}, pythonFlags...), filepath.Join("testdata", "read_events.py"),
		filepath.Join("internal", "tbproto", "tensorboard.proto"))
	cmd := exec.Command(python, append(args, files...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Python reader: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var got struct {
		Files []struct {
			Path   string    `json:"path"`
			Events []pyEvent `json:"events"`
		} `json:"files"`
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("Python reader's output: %v", err)
	}
	if len(got.Files) != len(files) {
		t.Fatalf("Python reader read %d files, want %d", len(got.Files), len(files))
	}
	events := make([][]pyEvent, len(files))
	for i, f := range got.Files {
		events[i] = f.Events
	}
	return events
}

// colorPNG is an RGB PNG of w×h pixels.
func colorPNG(t *testing.T, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{R: uint8(x * 9), G: uint8(y * 13), B: uint8(x ^ y), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func imageValue(tag string, pngBytes []byte, w, h, channels int) pyValue {
	sum := sha256.Sum256(pngBytes)
	return pyValue{Tag: tag, Kind: "image", Width: w, Height: h, Colorspace: channels,
		PNGBytes: len(pngBytes), PNGSHA256: hex.EncodeToString(sum[:])}
}

// writeRunForPython writes a run and a resume of it into dir, the way training does, and
// returns the events each file should hold.
func writeRunForPython(t *testing.T, dir string) [][]pyEvent {
	const config = "| flag | value |\n|---|---|\n| lr | 2e-4 |\n| dataset | Fréchet ✓ |"
	gray, rgb := testPNG(t, 7, 5), colorPNG(t, 33, 17)
	version := pyEvent{FileVersion: "brain.Event:2"}
	first := []pyEvent{version, {Values: []pyValue{{Tag: tensorboard.TagConfig, Kind: "tensor",
		Dtype: "DT_STRING", Shape: []int64{1}, Strings: []string{config}, Plugin: "text"}}}}
	w, err := tensorboard.Open(dir, 0)
	must(t, err)
	must(t, w.Text(tensorboard.TagConfig, 0, config))
	for step := int64(1); step <= 4; step++ {
		lossD, dReal := float32(1.4)/float32(step), float32(-1e-7)*float32(step)
		must(t, w.Scalar(tensorboard.TagLossD, step, float64(lossD)))
		must(t, w.Scalar(tensorboard.TagDReal, step, float64(dReal)))
		must(t, w.Flush())
		first = append(first,
			pyEvent{Step: step, Values: []pyValue{{Tag: tensorboard.TagLossD, Kind: "simple_value", SimpleValue: lossD}}},
			pyEvent{Step: step, Values: []pyValue{{Tag: tensorboard.TagDReal, Kind: "simple_value", SimpleValue: dReal}}})
	}
	must(t, w.Image(tensorboard.TagSamples, 4, gray, 7, 5, 1))
	first = append(first, pyEvent{Step: 4, Values: []pyValue{imageValue(tensorboard.TagSamples, gray, 7, 5, 1)}})
	must(t, w.Close())

	second := []pyEvent{version, {Step: 5, SessionLog: "START"}}
	w, err = tensorboard.Open(dir, 4)
	must(t, err)
	must(t, w.Scalar(tensorboard.TagFD, 5, 123.456))
	must(t, w.Image(tensorboard.TagSamples, 5, rgb, 33, 17, 3))
	second = append(second,
		pyEvent{Step: 5, Values: []pyValue{{Tag: tensorboard.TagFD, Kind: "simple_value", SimpleValue: 123.456}}},
		pyEvent{Step: 5, Values: []pyValue{imageValue(tensorboard.TagSamples, rgb, 33, 17, 3)}})
	must(t, w.Close())
	return [][]pyEvent{first, second}
}

// TestPythonReadsEventFiles has Python's protobuf read what the Writer wrote, a run and its
// resume, and compares every event: steps, tags, values, image sizes and bytes, text.
func TestPythonReadsEventFiles(t *testing.T) {
	needPythonReader(t)
	dir := t.TempDir()
	before := float64(time.Now().UnixNano()) / 1e9
	want := writeRunForPython(t, dir)
	after := float64(time.Now().UnixNano()) / 1e9
	files := eventFiles(t, dir)
	if len(files) != len(want) {
		t.Fatalf("%d event files, want %d", len(files), len(want))
	}
	got := readWithPython(t, files...)
	for i := range want {
		for j := range got[i] {
			if wt := got[i][j].WallTime; wt < before-1e-3 || wt > after+1e-3 || math.IsNaN(wt) {
				t.Errorf("file %d event %d: wall time %f outside the test's %f to %f", i, j, wt, before, after)
			}
			got[i][j].WallTime = 0
		}
		if len(got[i]) != len(want[i]) {
			t.Errorf("file %d (%s): Python read %d events, want %d", i, filepath.Base(files[i]), len(got[i]), len(want[i]))
		}
		for j := range min(len(got[i]), len(want[i])) {
			if !reflect.DeepEqual(got[i][j], want[i][j]) {
				t.Errorf("file %d event %d: Python read\n  %+v\nwant\n  %+v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestPythonRejectsDamage checks that the Python reader is strict: a flipped bit in the first
// record's length CRC or in its event (the wall time, which still decodes), or a file cut
// short, is an error rather than other or fewer events.
func TestPythonRejectsDamage(t *testing.T) {
	needPythonReader(t)
	dir := t.TempDir()
	writeRunForPython(t, dir)
	file := eventFiles(t, dir)[0]
	b, err := os.ReadFile(file)
	must(t, err)
	for name, damaged := range map[string][]byte{
		"bit in a length CRC": flipBit(b, 8),
		"bit in an event":     flipBit(b, 12+3),
		"cut short":           b[:len(b)-3],
	} {
		path := filepath.Join(t.TempDir(), "events.out.tfevents.1.damaged")
		must(t, os.WriteFile(path, damaged, 0o644))
		args := append(append([]string{}, pythonFlags...), filepath.Join("testdata", "read_events.py"),
			filepath.Join("internal", "tbproto", "tensorboard.proto"), path)
		out, err := exec.Command(python, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "read_events.py: byte ") {
			t.Errorf("%s: Python reader gave %v: %.200s", name, err, out)
		}
	}
}

// flipBit returns a copy of b with one bit of byte i flipped.
func flipBit(b []byte, i int) []byte {
	b = bytes.Clone(b)
	b[i] ^= 0x10
	return b
}
