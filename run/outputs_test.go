package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"gogan/train"
)

// fullDisk is a file on a disk that fills up after room bytes: a write past that point
// writes what fits and fails, as write(2) does on a full disk.
type fullDisk struct {
	bytes.Buffer
	room int
}

var errNoSpace = errors.New("no space left on device")

func (d *fullDisk) Write(p []byte) (int, error) {
	if d.Len()+len(p) <= d.room {
		return d.Buffer.Write(p)
	}
	n := d.room - d.Len()
	d.Buffer.Write(p[:n])
	return n, errNoSpace
}

func (d *fullDisk) Truncate(size int64) error {
	d.Buffer.Truncate(int(size))
	return nil
}

func (d *fullDisk) Close() error { return nil }

// TestMetricsLogFullDisk appends records until the disk is full: the append that fails
// reports it, and the log keeps whole lines only, so a later resume can read every line.
func TestMetricsLogFullDisk(t *testing.T) {
	disk := &fullDisk{room: 300}
	log := &metricsLog{f: disk}
	var err error
	step := 0
	for err == nil && step < 100 {
		step++
		err = log.append(Record{Step: step, Stats: train.Stats{LossD: 1.25, LossG: 0.5}})
	}
	if !errors.Is(err, errNoSpace) {
		t.Fatalf("append on a full disk: %v", err)
	}
	lines := strings.Split(disk.String(), "\n")
	if last := lines[len(lines)-1]; last != "" {
		t.Errorf("the log ends in a torn line %q", last)
	}
	for i, line := range lines[:len(lines)-1] {
		var r Record
		if err := json.Unmarshal([]byte(line), &r); err != nil || r.Step != i+1 {
			t.Errorf("line %d %q: %v", i+1, line, err)
		}
	}
	if len(lines)-1 != step-1 {
		t.Errorf("%d whole lines after %d appends, the last of which failed", len(lines)-1, step)
	}
}
