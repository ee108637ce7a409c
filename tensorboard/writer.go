package tensorboard

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"

	"gogan/tensorboard/internal/tbproto"
)

// fileVersion is the first event of every event file; TensorBoard checks its prefix.
const fileVersion = "brain.Event:2"

// bufferLimit bounds the events held in memory between flushes: past it they are written at
// once, so a caller that never flushes still has its memory bounded.
const bufferLimit = 1 << 20

// ErrClosed is returned by a Writer's methods after Close.
var ErrClosed = errors.New("tensorboard: writer is closed")

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// Writer appends events to one new event file. Its methods are safe for concurrent use.
type Writer struct {
	mu      sync.Mutex
	path    string
	file    *os.File
	pending []byte // framed records not yet handed to the file
	scratch []byte // one serialized Event, reused
	failed  error  // first write failure: the file may end in a partial record, so no more is written
	now     func() time.Time
}

// Open creates a new event file in dir (created if missing) for a run that continues after
// step resumeStep (0 for a new run). Events of later steps left in dir's older event files by
// an earlier, interrupted run are removed first (each file rewritten atomically), so a resumed
// run reads as one curve; the new file then starts with the file version and, when resuming, a
// SessionLog START at resumeStep+1, which tells TensorBoard to drop any later events it had
// already loaded. Open treats every event file in dir as the run's own. A file in dir that is
// corrupt (not merely cut short by a crash) is an error, and nothing on disk is changed.
func Open(dir string, resumeStep int64) (*Writer, error) {
	if resumeStep < 0 {
		return nil, fmt.Errorf("tensorboard: resume step %d is negative", resumeStep)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("tensorboard: %w", err)
	}
	if err := trimLaterSteps(dir, resumeStep); err != nil {
		return nil, err
	}
	w := &Writer{now: time.Now}
	if err := w.create(dir); err != nil {
		return nil, err
	}
	if err := w.start(resumeStep); err != nil {
		w.file.Close()
		os.Remove(w.path)
		return nil, err
	}
	return w, nil
}

// start writes the events that open the file.
func (w *Writer) start(resumeStep int64) error {
	version := &tbproto.Event{What: &tbproto.Event_FileVersion{FileVersion: fileVersion}}
	if err := w.append(version, 0); err != nil {
		return err
	}
	if resumeStep > 0 {
		start := &tbproto.SessionLog{Status: tbproto.SessionLog_START}
		if err := w.append(&tbproto.Event{What: &tbproto.Event_SessionLog{SessionLog: start}}, resumeStep+1); err != nil {
			return err
		}
	}
	return w.Flush()
}

// create makes the file events.out.tfevents.<unix seconds>.<host>, TensorFlow's name, which
// TensorBoard reads in name order; a name already taken (a resume within the same second)
// moves on to the next second so the order of names stays the order of writing.
func (w *Writer) create(dir string) error {
	host := hostname()
	secs := time.Now().Unix()
	for try := 0; ; try++ {
		path := filepath.Join(dir, "events.out.tfevents."+strconv.FormatInt(secs+int64(try), 10)+"."+host)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err == nil {
			w.path, w.file = path, f
			return nil
		}
		if !errors.Is(err, os.ErrExist) || try == 100 {
			return fmt.Errorf("tensorboard: %w", err)
		}
	}
}

// hostname is the machine's name reduced to characters that are safe in a file name.
func hostname() string {
	name, err := os.Hostname()
	if err != nil || name == "" {
		return "localhost"
	}
	return strings.Map(func(r rune) rune {
		if r < 128 && (r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r|0x20 >= 'a' && r|0x20 <= 'z') {
			return r
		}
		return '_'
	}, name)
}

// Path is the event file's path.
func (w *Writer) Path() string { return w.path }

// Scalar records value under tag at step, as PyTorch's SummaryWriter.add_scalar does
// (a simple_value, float32).
func (w *Writer) Scalar(tag string, step int64, value float64) error {
	v := &tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_SimpleValue{SimpleValue: float32(value)}}
	return w.summary(v, step)
}

// Image records a PNG-encoded image of width×height pixels with channels 1 (gray),
// 2 (gray and alpha), 3 (RGB) or 4 (RGBA), shown in TensorBoard's Images tab.
func (w *Writer) Image(tag string, step int64, png []byte, width, height, channels int) error {
	switch {
	case !bytes.HasPrefix(png, pngSignature):
		return fmt.Errorf("tensorboard: image %q: not PNG data", tag)
	case width <= 0 || height <= 0 || width > 1<<30 || height > 1<<30:
		return fmt.Errorf("tensorboard: image %q: size %d×%d out of range", tag, width, height)
	case channels < 1 || channels > 4:
		return fmt.Errorf("tensorboard: image %q: %d channels, want 1 to 4", tag, channels)
	}
	img := &tbproto.Summary_Image{
		Height: int32(height), Width: int32(width), Colorspace: int32(channels), EncodedImageString: png,
	}
	return w.summary(&tbproto.Summary_Value{Tag: tag, Value: &tbproto.Summary_Value_Image{Image: img}}, step)
}

// Text records markdown, shown in TensorBoard's Text tab: a string tensor tagged for the text
// plugin, as tf.summary.text and PyTorch's add_text write it.
func (w *Writer) Text(tag string, step int64, markdown string) error {
	if !utf8.ValidString(markdown) {
		return fmt.Errorf("tensorboard: text %q is not UTF-8", tag)
	}
	tensor := &tbproto.TensorProto{
		Dtype:       tbproto.DataType_DT_STRING,
		TensorShape: &tbproto.TensorShapeProto{Dim: []*tbproto.TensorShapeProto_Dim{{Size: 1}}},
		StringVal:   [][]byte{[]byte(markdown)},
	}
	meta := &tbproto.SummaryMetadata{PluginData: &tbproto.SummaryMetadata_PluginData{PluginName: "text"}}
	v := &tbproto.Summary_Value{Tag: tag, Metadata: meta, Value: &tbproto.Summary_Value_Tensor{Tensor: tensor}}
	return w.summary(v, step)
}

func (w *Writer) summary(v *tbproto.Summary_Value, step int64) error {
	if v.Tag == "" || !utf8.ValidString(v.Tag) {
		return fmt.Errorf("tensorboard: tag %q is empty or not UTF-8", v.Tag)
	}
	if step < 0 {
		return fmt.Errorf("tensorboard: %q: step %d is negative", v.Tag, step)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	ev := &tbproto.Event{What: &tbproto.Event_Summary{Summary: &tbproto.Summary{Value: []*tbproto.Summary_Value{v}}}}
	if err := w.append(ev, step); err != nil {
		return err
	}
	if len(w.pending) >= bufferLimit {
		return w.writePending()
	}
	return nil
}

// usable reports why nothing more can be written, if so; w.mu is held.
func (w *Writer) usable() error {
	if w.file == nil {
		return ErrClosed
	}
	return w.failed
}

// append frames ev, stamped with step and the wall time, into the pending records.
func (w *Writer) append(ev *tbproto.Event, step int64) error {
	ev.Step = step
	ev.WallTime = float64(w.now().UnixNano()) / 1e9
	data, err := proto.MarshalOptions{}.MarshalAppend(w.scratch[:0], ev)
	if err != nil {
		return fmt.Errorf("tensorboard: encode event: %w", err)
	}
	w.scratch = data
	w.pending = appendRecord(w.pending, data)
	return nil
}

// writePending hands the pending records to the file in one write; w.mu is held.
func (w *Writer) writePending() error {
	if len(w.pending) == 0 {
		return nil
	}
	_, err := w.file.Write(w.pending)
	w.pending = w.pending[:0]
	if err != nil {
		w.failed = fmt.Errorf("tensorboard: %w", err)
		return w.failed
	}
	return nil
}

// Flush writes the events recorded so far to the file (one write system call, no sync), so
// a running TensorBoard sees them. Call it once per training step. After a failed write the
// writer records nothing more and every call returns that failure; training can go on.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.usable(); err != nil {
		return err
	}
	return w.writePending()
}

// Close flushes, syncs and closes the file. Closing twice is not an error.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	err := w.failed
	if err == nil {
		err = w.writePending()
	}
	if err == nil {
		if serr := w.file.Sync(); serr != nil {
			err = fmt.Errorf("tensorboard: sync %s: %w", w.path, serr)
		}
	}
	if cerr := w.file.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("tensorboard: close %s: %w", w.path, cerr)
	}
	w.file = nil
	return err
}
