package tensorboard

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"gogan/tensorboard/internal/tbproto"
)

// Value is one summary value of an event file: a scalar, an image or a text.
type Value struct {
	Step int64
	Tag  string
	Kind string // "scalar", "image" or "text"
	// Scalar is a scalar's value; Width and Height an image's size; Text a text's markdown.
	Scalar        float64
	Width, Height int
	Text          string
}

// ReadDir returns the summary values of the event files in dir, file by file in the order of
// their names (the order they were written in) and in each file in order, checking every
// record's lengths and CRCs: what TensorBoard would show, for tests and tools that check a
// run's event files.
func ReadDir(dir string) ([]Value, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*tfevents*"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var values []Value
	for _, name := range names {
		if strings.HasPrefix(filepath.Base(name), ".") {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("tensorboard: %w", err)
		}
		info, err := f.Stat()
		if err == nil {
			err = readRecords(f, info.Size(), func(data []byte) error {
				var e tbproto.Event
				if err := proto.Unmarshal(data, &e); err != nil {
					return err
				}
				for _, v := range e.GetSummary().GetValue() {
					values = append(values, valueOf(e.GetStep(), v))
				}
				return nil
			})
		}
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("tensorboard: %s: %w", name, err)
		}
	}
	return values, nil
}

func valueOf(step int64, v *tbproto.Summary_Value) Value {
	out := Value{Step: step, Tag: v.GetTag()}
	switch {
	case v.GetImage() != nil:
		out.Kind, out.Width, out.Height = "image", int(v.GetImage().GetWidth()), int(v.GetImage().GetHeight())
	case v.GetTensor() != nil:
		out.Kind = "text"
		if s := v.GetTensor().GetStringVal(); len(s) > 0 {
			out.Text = string(s[0])
		}
	default:
		out.Kind, out.Scalar = "scalar", float64(v.GetSimpleValue())
	}
	return out
}
