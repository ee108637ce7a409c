package tensorboard_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"gogan/tensorboard"
	"gogan/tensorboard/internal/tbproto"
)

// otherWritersDir holds event files written by PyTorch (through Lightning), TensorFlow and a
// third Python writer, their sources named in its README.md. It lies beside the repository,
// outside it, as the files come from other projects.
const otherWritersDir = "../../shared/tensorboard-events"

// needOtherWriters skips a test when otherWritersDir is absent.
func needOtherWriters(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(otherWritersDir); err != nil {
		t.Skipf("%s is absent (event files of other TensorBoard writers, listed in the README.md there)", otherWritersDir)
	}
}

var realFiles = []struct {
	name   string
	events int
	tag    string // a scalar tag in the file
	steps  int    // how many steps it has
	first  int64  // its first step and value
	value  float32
	writer string // the writer named by the first event, if any
}{
	{"lightning.events.out.tfevents.1770920496.home-mini.local.75658.0", 245, "train_loss", 20, 15, 0, "tensorboard.summary.writer.event_file_writer"},
	{"lingvo.events.out.tfevents.test", 361, "bleu/dev", 360, 1500, 0.11201019, ""},
	{"tensorboa-rs.events.out.tfevents.1661684667.applepie4", 11, "tag", 10, 0, 0, ""},
}

// The tests' reader decodes other writers' files: the same framing and messages.
func TestReadOtherWritersFiles(t *testing.T) {
	needOtherWriters(t)
	for _, want := range realFiles {
		t.Run(want.name, func(t *testing.T) {
			events, err := readEventFile(filepath.Join(otherWritersDir, want.name))
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != want.events {
				t.Errorf("%d events, want %d", len(events), want.events)
			}
			if v := events[0].GetFileVersion(); v != "brain.Event:2" {
				t.Errorf("file version %q", v)
			}
			if w := events[0].GetSourceMetadata().GetWriter(); w != want.writer {
				t.Errorf("writer %q, want %q", w, want.writer)
			}
			series := scalars(events)[want.tag]
			if len(series) != want.steps {
				t.Fatalf("%q has %d steps, want %d (tags: %d)", want.tag, len(series), want.steps, len(scalars(events)))
			}
			first := int64(math.MaxInt64)
			for step, v := range series {
				first = min(first, step)
				if math.IsNaN(float64(v)) {
					t.Errorf("%q at step %d is NaN", want.tag, step)
				}
			}
			if first != want.first || (want.value != 0 && series[first] != want.value) {
				t.Errorf("%q starts at step %d with %v, want step %d", want.tag, first, series[first], want.first)
			}
		})
	}
	// The Python writer's values equal their steps.
	events, _ := readEventFile(filepath.Join(otherWritersDir, realFiles[2].name))
	for step, v := range scalars(events)["tag"] {
		if v != float32(step) {
			t.Errorf("tensorboa-rs file: value %v at step %d", v, step)
		}
	}
}

// The package frames records byte for byte as these writers did: reading each file with the
// package's reader and framing its records again gives back the original file. Each Event,
// re-encoded by the generated code, decodes to the same message (the byte order of fields is
// not part of the format: Go writes a oneof after the fields that follow it in number).
func TestWriterMatchesOtherWritersBytes(t *testing.T) {
	needOtherWriters(t)
	for _, f := range realFiles {
		b, err := os.ReadFile(filepath.Join(otherWritersDir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		var again []byte
		err = tensorboard.ReadRecords(bytes.NewReader(b), int64(len(b)), func(data []byte) error {
			var ev, back tbproto.Event
			if err := proto.Unmarshal(data, &ev); err != nil {
				return err
			}
			encoded, err := proto.Marshal(&ev)
			if err != nil {
				return err
			}
			if err := proto.Unmarshal(encoded, &back); err != nil || !proto.Equal(&ev, &back) {
				t.Errorf("%s: event %v does not survive re-encoding (%v)", f.name, &ev, err)
			}
			again = tensorboard.AppendRecord(again, data)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		if !bytes.Equal(again, b) {
			i := 0
			for i < min(len(again), len(b)) && again[i] == b[i] {
				i++
			}
			t.Errorf("%s: re-framed file differs from byte %d (%d bytes, original %d)", f.name, i, len(again), len(b))
		}
	}
}
