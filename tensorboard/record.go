package tensorboard

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// TFRecord framing, as TensorFlow's record_writer.cc writes it and every TensorBoard reader
// expects it:
//
//	uint64 length, little-endian
//	uint32 masked CRC32C of those 8 bytes
//	length bytes of data (one serialized Event)
//	uint32 masked CRC32C of the data

const (
	recordHeaderSize = 12 // length and its CRC
	recordFooterSize = 4  // data CRC
	crcMaskDelta     = 0xa282ead8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// maskedCRC is TensorFlow's masked CRC32C: a CRC stored next to data that itself holds CRCs
// is rotated and offset so the CRC of such data does not look like a plain CRC.
func maskedCRC(data []byte) uint32 {
	crc := crc32.Checksum(data, castagnoli)
	return ((crc >> 15) | (crc << 17)) + crcMaskDelta
}

// appendRecord appends data framed as one TFRecord to dst.
func appendRecord(dst, data []byte) []byte {
	var header [recordHeaderSize]byte
	binary.LittleEndian.PutUint64(header[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(header[8:], maskedCRC(header[:8]))
	dst = append(dst, header[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, maskedCRC(data))
}

// errTruncated marks a file that ends inside a record: what a writer leaves when it is killed
// mid-write. The records before it are intact.
var errTruncated = errors.New("file ends inside a record")

// readRecords calls fn with the data of each record in r, whose total size is size bytes
// (lengths are checked against it before any memory is allocated). It returns errTruncated
// (wrapped) if the input ends inside a record, and another error for a record whose CRC does
// not match; fn's data is only valid until fn returns.
func readRecords(r io.Reader, size int64, fn func(data []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var header [recordHeaderSize]byte
	var data []byte
	for offset := int64(0); offset < size; {
		if _, err := io.ReadFull(br, header[:]); err != nil {
			return readFailure(offset, err)
		}
		length := binary.LittleEndian.Uint64(header[:8])
		if binary.LittleEndian.Uint32(header[8:]) != maskedCRC(header[:8]) {
			return fmt.Errorf("record at byte %d: length CRC mismatch", offset)
		}
		left := uint64(size - offset - recordHeaderSize)
		if length > left || left-length < recordFooterSize {
			return fmt.Errorf("record at byte %d of length %d: %w", offset, length, errTruncated)
		}
		if uint64(cap(data)) < length+recordFooterSize {
			data = make([]byte, length+recordFooterSize)
		}
		data = data[:length+recordFooterSize]
		if _, err := io.ReadFull(br, data); err != nil {
			return readFailure(offset, err)
		}
		payload := data[:length]
		if binary.LittleEndian.Uint32(data[length:]) != maskedCRC(payload) {
			return fmt.Errorf("record at byte %d: data CRC mismatch", offset)
		}
		if err := fn(payload); err != nil {
			return err
		}
		offset += recordHeaderSize + int64(length) + recordFooterSize
	}
	return nil
}

func readFailure(offset int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("record at byte %d: %w", offset, errTruncated)
	}
	return fmt.Errorf("record at byte %d: %w", offset, err)
}
