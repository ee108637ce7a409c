package tensorboard_test

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/bits"
	"os"

	"google.golang.org/protobuf/proto"

	"gogan/tensorboard/internal/tbproto"
)

// This file is an event-file reader written apart from the package's own (record.go), from
// the format as TensorFlow's record_reader.cc documents it, so that the tests do not check
// the writer against itself. It is strict: any damaged or cut-short record is an error.

var crc32cTable = crc32.MakeTable(crc32.Castagnoli)

func maskedCRC32C(b []byte) uint32 {
	return bits.RotateLeft32(crc32.Checksum(b, crc32cTable), 17) + 0xa282ead8
}

// readEventFile reads and decodes every record of the file at path.
func readEventFile(path string) ([]*tbproto.Event, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	events, err := decodeEventFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return events, nil
}

// decodeEventFile decodes an event file held in memory.
func decodeEventFile(b []byte) ([]*tbproto.Event, error) {
	var events []*tbproto.Event
	for pos := 0; pos < len(b); {
		rest := b[pos:]
		if len(rest) < 12 {
			return nil, fmt.Errorf("record %d at byte %d: %d bytes left, a header needs 12", len(events), pos, len(rest))
		}
		if got, want := binary.LittleEndian.Uint32(rest[8:12]), maskedCRC32C(rest[:8]); got != want {
			return nil, fmt.Errorf("record %d at byte %d: length CRC %#x, want %#x", len(events), pos, got, want)
		}
		n := binary.LittleEndian.Uint64(rest[:8])
		if n > uint64(len(rest)-12) || uint64(len(rest)-12)-n < 4 {
			return nil, fmt.Errorf("record %d at byte %d: length %d past the end of the file", len(events), pos, n)
		}
		data := rest[12 : 12+n]
		if got, want := binary.LittleEndian.Uint32(rest[12+n:16+n]), maskedCRC32C(data); got != want {
			return nil, fmt.Errorf("record %d at byte %d: data CRC %#x, want %#x", len(events), pos, got, want)
		}
		ev := new(tbproto.Event)
		if err := proto.Unmarshal(data, ev); err != nil {
			return nil, fmt.Errorf("record %d at byte %d: %w", len(events), pos, err)
		}
		events = append(events, ev)
		pos += 16 + int(n)
	}
	return events, nil
}

// frameRecord appends data to dst as one record.
func frameRecord(dst, data []byte) []byte {
	dst = binary.LittleEndian.AppendUint64(dst, uint64(len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, maskedCRC32C(dst[len(dst)-8:]))
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC32C(data))
}

// scalars lists the simple values of events as tag → step → value.
func scalars(events []*tbproto.Event) map[string]map[int64]float32 {
	out := map[string]map[int64]float32{}
	for _, ev := range events {
		for _, v := range ev.GetSummary().GetValue() {
			sv, ok := v.GetValue().(*tbproto.Summary_Value_SimpleValue)
			if !ok {
				continue
			}
			if out[v.Tag] == nil {
				out[v.Tag] = map[int64]float32{}
			}
			out[v.Tag][ev.Step] = sv.SimpleValue
		}
	}
	return out
}
