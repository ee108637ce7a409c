package tensorboard_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"gogan/tensorboard"
	"gogan/tensorboard/internal/tbproto"
)

// testPNG is a small gray PNG of w×h pixels.
func testPNG(t testing.TB, w, h int) []byte {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.SetGray(0, 0, color.Gray{Y: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// eventFiles lists dir's event files in the order TensorBoard reads them (by name).
func eventFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "events.out.tfevents.*"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestWriterRoundTrip(t *testing.T) {
	dir := t.TempDir()
	before := time.Now()
	w, err := tensorboard.Open(filepath.Join(dir, "tb"), 0)
	if err != nil {
		t.Fatal(err)
	}
	pngBytes := testPNG(t, 6, 4)
	for step := int64(1); step <= 3; step++ {
		must(t, w.Scalar(tensorboard.TagLossD, step, 1.5*float64(step)))
		must(t, w.Scalar(tensorboard.TagDReal, step, 0.25))
		must(t, w.Flush())
	}
	must(t, w.Image(tensorboard.TagSamples, 3, pngBytes, 6, 4, 1))
	must(t, w.Text(tensorboard.TagConfig, 0, "| lr | 2e-4 |\n|---|---|"))
	must(t, w.Close())
	must(t, w.Close())

	name := filepath.Base(w.Path())
	if !regexp.MustCompile(`^events\.out\.tfevents\.\d{10}\.[A-Za-z0-9._-]+$`).MatchString(name) {
		t.Errorf("file name %q is not events.out.tfevents.<unix seconds>.<host>", name)
	}
	events, err := readEventFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1+6+2 {
		t.Fatalf("%d events, want 9", len(events))
	}
	if got := events[0].GetFileVersion(); got != "brain.Event:2" {
		t.Errorf("first event's file_version %q, want brain.Event:2", got)
	}
	for _, ev := range events {
		if wall := time.Unix(0, int64(ev.WallTime*1e9)); wall.Before(before.Add(-time.Second)) || wall.After(time.Now().Add(time.Second)) {
			t.Errorf("wall_time %v outside the test's run", wall)
		}
	}
	got := scalars(events)
	for step := int64(1); step <= 3; step++ {
		if v, ok := got["Loss/D"][step]; !ok || v != float32(1.5*float64(step)) {
			t.Errorf("Loss/D at step %d = %v (found %v), want %v", step, v, ok, 1.5*float64(step))
		}
	}
	if len(got["D(x)"]) != 3 {
		t.Errorf("D(x) has %d steps, want 3", len(got["D(x)"]))
	}
	checkImage(t, events[7], pngBytes)
	checkText(t, events[8], "| lr | 2e-4 |\n|---|---|")
}

func checkImage(t *testing.T, ev *tbproto.Event, pngBytes []byte) {
	t.Helper()
	v := ev.GetSummary().GetValue()
	if ev.Step != 3 || len(v) != 1 || v[0].Tag != "Samples" {
		t.Fatalf("image event: step %d, values %v", ev.Step, v)
	}
	img := v[0].GetImage()
	if img.GetWidth() != 6 || img.GetHeight() != 4 || img.GetColorspace() != 1 || !bytes.Equal(img.GetEncodedImageString(), pngBytes) {
		t.Errorf("image %d×%d colorspace %d, %d PNG bytes; want 6×4, 1, %d bytes",
			img.GetWidth(), img.GetHeight(), img.GetColorspace(), len(img.GetEncodedImageString()), len(pngBytes))
	}
}

func checkText(t *testing.T, ev *tbproto.Event, markdown string) {
	t.Helper()
	v := ev.GetSummary().GetValue()
	if len(v) != 1 || v[0].Tag != "Config" {
		t.Fatalf("text event values %v", v)
	}
	if name := v[0].GetMetadata().GetPluginData().GetPluginName(); name != "text" {
		t.Errorf("text plugin name %q, want text", name)
	}
	tensor := v[0].GetTensor()
	if tensor.GetDtype() != tbproto.DataType_DT_STRING || len(tensor.GetStringVal()) != 1 || string(tensor.GetStringVal()[0]) != markdown {
		t.Errorf("text tensor %v, want one DT_STRING %q", tensor, markdown)
	}
}

// A running TensorBoard reads the file while it grows: after Flush, the events must be there.
func TestFlushedEventsAreReadable(t *testing.T) {
	w, err := tensorboard.Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	for step := int64(1); step <= 2; step++ {
		must(t, w.Scalar(tensorboard.TagLossG, step, 0.5))
		must(t, w.Flush())
		events, err := readEventFile(w.Path())
		if err != nil {
			t.Fatal(err)
		}
		if n := len(scalars(events)["Loss/G"]); n != int(step) {
			t.Errorf("after step %d's flush the file holds %d Loss/G values", step, n)
		}
	}
}

func TestWriterRefusesBadInput(t *testing.T) {
	w, err := tensorboard.Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	pngBytes := testPNG(t, 2, 2)
	bad := map[string]error{
		"empty tag":       w.Scalar("", 1, 1),
		"invalid tag":     w.Scalar("Loss/\xff", 1, 1),
		"negative step":   w.Scalar("Loss/D", -1, 1),
		"not PNG":         w.Image("Samples", 1, []byte("GIF89a"), 2, 2, 1),
		"zero width":      w.Image("Samples", 1, pngBytes, 0, 2, 1),
		"five channels":   w.Image("Samples", 1, pngBytes, 2, 2, 5),
		"invalid UTF-8":   w.Text("Config", 0, "\xfe"),
		"negative resume": openErr(t.TempDir(), -1),
	}
	for name, err := range bad {
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	must(t, w.Scalar("Loss/D", 1, 1)) // the refusals leave the writer usable
	must(t, w.Close())
	if err := w.Scalar("Loss/D", 2, 1); err != tensorboard.ErrClosed {
		t.Errorf("Scalar after Close: %v, want ErrClosed", err)
	}
	events, err := readEventFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Errorf("%d events, want the file version and one scalar", len(events))
	}
}

func openErr(dir string, step int64) error {
	w, err := tensorboard.Open(dir, step)
	if err == nil {
		w.Close()
	}
	return err
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkScalar(b *testing.B) {
	w, err := tensorboard.Open(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := w.Scalar(tensorboard.TagLossD, int64(i), 0.693); err != nil {
			b.Fatal(err)
		}
		if i%4 == 3 { // a step writes four scalars, then flushes
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
