package tensorboard_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"gogan/tensorboard"
)

// writtenFile returns the bytes of a small event file written by the package.
func writtenFile(t testing.TB) []byte {
	w, err := tensorboard.Open(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	must(t, w.Scalar(tensorboard.TagLossD, 1, 1.25))
	must(t, w.Text(tensorboard.TagConfig, 1, "seed 1"))
	must(t, w.Close())
	b, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The reader must notice every flipped bit (in a length, a CRC or the data) and every cut,
// or its agreement with the writer would prove little.
func TestReaderRejectsDamage(t *testing.T) {
	file := writtenFile(t)
	if _, err := decodeEventFile(file); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	damaged := make([]byte, len(file))
	for i := range file {
		for bit := range 8 {
			copy(damaged, file)
			damaged[i] ^= 1 << bit
			if _, err := decodeEventFile(damaged); err == nil {
				t.Fatalf("bit %d of byte %d flipped: accepted", bit, i)
			}
		}
	}
	// A cut between records leaves a sound, shorter file; any other cut must be refused.
	events, _ := decodeEventFile(file)
	boundaries := map[int]bool{}
	end := 0
	for _, ev := range events {
		end += 16 + proto.Size(ev)
		boundaries[end] = true
	}
	if end != len(file) {
		t.Fatalf("records add up to %d bytes, the file has %d", end, len(file))
	}
	for n := 1; n < len(file); n++ {
		if _, err := decodeEventFile(file[:n]); (err == nil) != boundaries[n] {
			t.Fatalf("cut to %d of %d bytes (between records: %v): error %v", n, len(file), boundaries[n], err)
		}
	}
}

// The package's own reader, used when a run resumes, must tell a crash's cut-short file
// (its records kept) from a corrupt one (refused).
func TestPackageReaderDamage(t *testing.T) {
	file := writtenFile(t)
	count := func(b []byte) (int, error) {
		n := 0
		err := tensorboard.ReadRecords(bytes.NewReader(b), int64(len(b)), func([]byte) error { n++; return nil })
		return n, err
	}
	if n, err := count(file); err != nil || n != 3 {
		t.Fatalf("intact file: %d records, %v; want 3", n, err)
	}
	if _, err := count(file[:len(file)-1]); !errors.Is(err, tensorboard.ErrTruncated) {
		t.Errorf("last byte cut: %v, want a truncation", err)
	}
	flipped := bytes.Clone(file)
	flipped[len(flipped)-8] ^= 0x10
	if _, err := count(flipped); err == nil || errors.Is(err, tensorboard.ErrTruncated) {
		t.Errorf("bit flipped in the data: %v, want a CRC mismatch", err)
	}
	huge := bytes.Clone(file)
	huge[7] = 0x7f // a length of about 2^62, with its CRC now wrong
	if _, err := count(huge); err == nil {
		t.Error("huge length accepted")
	}
}

// FuzzReaders checks the package's reader against the tests' reader on arbitrary bytes:
// neither may panic, they must agree on whether the input is sound, and the package's
// reader may only skip a bad tail when it calls it a truncation.
func FuzzReaders(f *testing.F) {
	f.Add(writtenFile(f))
	files, _ := filepath.Glob(filepath.Join(otherWritersDir, "*tfevents*"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 16<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var records [][]byte
		err := tensorboard.ReadRecords(bytes.NewReader(b), int64(len(b)), func(d []byte) error {
			records = append(records, bytes.Clone(d))
			return nil
		})
		events, strictErr := decodeEventFile(b)
		if strictErr == nil && (err != nil || len(records) != len(events)) {
			t.Fatalf("tests' reader: %d events; package's: %d records, %v", len(events), len(records), err)
		}
		if err == nil {
			var again []byte
			for _, d := range records {
				again = frameRecord(again, d)
			}
			if !bytes.Equal(again, b) {
				t.Fatalf("package's reader accepted %d bytes that are not its %d records", len(b), len(records))
			}
		}
	})
}
