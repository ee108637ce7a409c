package tensorboard

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	"gogan/internal/atomicfile"
	"gogan/tensorboard/internal/tbproto"
)

// eventFileScan is what trimLaterSteps learns about one event file before changing any.
type eventFileScan struct {
	path      string
	perm      os.FileMode
	later     int  // events with a step past the resume step
	truncated bool // ends inside a record
}

// trimLaterSteps removes, from every event file in dir, the events with a step past
// keepThrough and any partial record at the end. All files are read and checked first, so a
// corrupt one stops the resume before anything is rewritten.
func trimLaterSteps(dir string, keepThrough int64) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("tensorboard: %w", err)
	}
	var rewrite []eventFileScan
	for _, e := range entries {
		// TensorBoard reads every file whose name holds "tfevents"; names starting with a
		// dot are atomicfile's temporary files.
		if !e.Type().IsRegular() || !strings.Contains(e.Name(), "tfevents") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		scan, err := scanEventFile(filepath.Join(dir, e.Name()), keepThrough)
		if err != nil {
			return err
		}
		if scan.later > 0 || scan.truncated {
			rewrite = append(rewrite, scan)
		}
	}
	for _, scan := range rewrite {
		if err := rewriteEventFile(scan, keepThrough); err != nil {
			return err
		}
	}
	return nil
}

func scanEventFile(path string, keepThrough int64) (eventFileScan, error) {
	scan := eventFileScan{path: path}
	f, err := os.Open(path)
	if err != nil {
		return scan, fmt.Errorf("tensorboard: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return scan, fmt.Errorf("tensorboard: %w", err)
	}
	scan.perm = info.Mode().Perm()
	var ev tbproto.Event
	err = readRecords(f, info.Size(), func(data []byte) error {
		if err := proto.Unmarshal(data, &ev); err != nil {
			return fmt.Errorf("a record is not an Event: %w", err)
		}
		if ev.Step > keepThrough {
			scan.later++
		}
		return nil
	})
	if errors.Is(err, errTruncated) {
		scan.truncated = true
		err = nil
	}
	if err != nil {
		return scan, fmt.Errorf("tensorboard: resume: %s: %w (move the file away to resume without it)", path, err)
	}
	return scan, nil
}

// rewriteEventFile atomically replaces the file with its events up to keepThrough.
func rewriteEventFile(scan eventFileScan, keepThrough int64) error {
	f, err := os.Open(scan.path)
	if err != nil {
		return fmt.Errorf("tensorboard: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("tensorboard: %w", err)
	}
	err = atomicfile.Write(scan.path, scan.perm, func(out io.Writer) error {
		bw := bufio.NewWriter(out)
		var ev tbproto.Event
		var framed []byte
		err := readRecords(f, info.Size(), func(data []byte) error {
			if err := proto.Unmarshal(data, &ev); err != nil {
				return err
			}
			if ev.Step > keepThrough {
				return nil
			}
			framed = appendRecord(framed[:0], data)
			_, err := bw.Write(framed)
			return err
		})
		if err != nil && !errors.Is(err, errTruncated) {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return fmt.Errorf("tensorboard: resume: %w", err)
	}
	return nil
}
