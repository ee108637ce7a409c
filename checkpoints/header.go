package checkpoints

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxHeader is the reference implementation's bound on the header, which keeps a
	// hostile file from making the reader parse gigabytes of JSON.
	maxHeader = 100_000_000
	// maxRank is NumPy's limit on dimensions. It bounds the memory a shape can take, and
	// a tensor of higher rank could not be loaded by NumPy anyway.
	maxRank = 64
)

// entry is one tensor of a parsed header; begin and end are offsets into the data section.
type entry struct {
	name       string
	dtype      DType
	shape      []int
	begin, end int64
}

// parseHeader decodes the header and checks every entry against a data section of dataLen
// bytes. It allocates in proportion to len(header), never to the numbers it reads.
func parseHeader(header []byte, dataLen int64) (map[string]entry, map[string]string, error) {
	if len(header) == 0 || header[0] != '{' {
		return nil, nil, errors.New("header does not start with '{'")
	}
	if !utf8.Valid(header) {
		return nil, nil, errors.New("header is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	entries := make(map[string]entry)
	var metadata map[string]string
	err := readObject(dec, "header", func(key string) error {
		if key == metadataKey {
			var err error
			metadata, err = readMetadata(dec)
			return err
		}
		e, err := readEntry(dec, key, dataLen)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", key, err)
		}
		entries[key] = e
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("header has more than one JSON value")
	}
	if err := checkLayout(entries, dataLen); err != nil {
		return nil, nil, err
	}
	return entries, metadata, nil
}

// readObject reads one JSON object, calling field with the decoder at each key's value;
// field must consume that value. Repeated keys are an error, as the format requires.
func readObject(dec *json.Decoder, what string, field func(key string) error) error {
	if err := expectDelim(dec, '{', what+" is not a JSON object"); err != nil {
		return err
	}
	return readMembers(dec, what, field)
}

// readMembers is readObject after the opening brace.
func readMembers(dec *json.Decoder, what string, field func(key string) error) error {
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%s has a key that is not a string", what)
		}
		if seen[key] {
			return fmt.Errorf("%s has key %q twice", what, key)
		}
		seen[key] = true
		if err := field(key); err != nil {
			return err
		}
	}
	return expectDelim(dec, '}', what+" is not a JSON object")
}

func expectDelim(dec *json.Decoder, d json.Delim, problem string) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonError(err)
	}
	if tok != d {
		return errors.New(problem)
	}
	return nil
}

// jsonError turns a decoder error into a one-line description with its position.
func jsonError(err error) error {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Errorf("header is not valid JSON: %s at byte %d", syntax, syntax.Offset)
	}
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return errors.New("header is not valid JSON: it ends inside a value")
	}
	return fmt.Errorf("header is not valid JSON: %w", err)
}

// readMetadata reads the "__metadata__" value: null, or an object of strings.
func readMetadata(dec *json.Decoder) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("%s is %s, not an object", metadataKey, describe(tok))
	}
	metadata := make(map[string]string)
	err = readMembers(dec, metadataKey, func(key string) error {
		tok, err := dec.Token()
		if err != nil {
			return jsonError(err)
		}
		s, ok := tok.(string)
		if !ok {
			return fmt.Errorf("%s %q is %s, not a string", metadataKey, key, describe(tok))
		}
		metadata[key] = s
		return nil
	})
	return metadata, err
}

// describe names the kind of a JSON token for error messages.
func describe(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case json.Delim:
		if tok == json.Delim('[') {
			return "an array"
		}
		return "an object"
	}
	return "a string"
}

// readEntry reads one tensor's {"dtype", "shape", "data_offsets"} and checks it alone.
func readEntry(dec *json.Decoder, name string, dataLen int64) (entry, error) {
	e := entry{name: name}
	var shape, offsets []int64
	var hasDtype bool
	err := readObject(dec, "entry", func(key string) error {
		var err error
		switch key {
		case "dtype":
			tok, terr := dec.Token()
			if terr != nil {
				return jsonError(terr)
			}
			s, ok := tok.(string)
			if !ok {
				return fmt.Errorf("dtype is %s, not a string", describe(tok))
			}
			e.dtype, hasDtype = DType(s), true
		case "shape":
			shape, err = readInts(dec, "shape", maxRank)
		case "data_offsets":
			offsets, err = readInts(dec, "data_offsets", 2)
		default:
			err = fmt.Errorf("unknown field %q", key)
		}
		return err
	})
	switch {
	case err != nil:
		return e, err
	case !hasDtype:
		return e, errors.New("no dtype")
	case shape == nil:
		return e, errors.New("no shape")
	case offsets == nil:
		return e, errors.New("no data_offsets")
	case len(offsets) != 2:
		return e, fmt.Errorf("data_offsets %s is not a [begin, end] pair", ints(offsets))
	}
	size := int64(e.dtype.Size())
	if size == 0 {
		return e, fmt.Errorf("unknown dtype %q", e.dtype)
	}
	e.begin, e.end = offsets[0], offsets[1]
	if e.end < e.begin {
		return e, fmt.Errorf("data_offsets %s end before they begin", ints(offsets))
	}
	if e.end > dataLen {
		return e, fmt.Errorf("data_offsets %s beyond the file's %d data bytes", ints(offsets), dataLen)
	}
	n, err := elements(shape)
	if err != nil {
		return e, err
	}
	if n > math.MaxInt64/size || n*size != e.end-e.begin {
		return e, fmt.Errorf("shape %s of %s needs %s bytes, data_offsets %s hold %d",
			ints(shape), e.dtype, byteCount(n, size), ints(offsets), e.end-e.begin)
	}
	e.shape = make([]int, len(shape))
	for i, d := range shape {
		e.shape[i] = int(d)
	}
	return e, nil
}

// byteCount prints n*size, which may not fit in an int64.
func byteCount(n, size int64) string {
	if n > math.MaxInt64/size {
		return fmt.Sprintf("%d×%d", n, size)
	}
	return strconv.FormatInt(n*size, 10)
}

// readInts reads a JSON array of at most limit non-negative integers that fit in an int64.
func readInts(dec *json.Decoder, what string, limit int) ([]int64, error) {
	if err := expectDelim(dec, '[', what+" is not an array"); err != nil {
		return nil, err
	}
	v := []int64{}
	for dec.More() {
		if len(v) == limit {
			return nil, fmt.Errorf("%s has more than %d numbers", what, limit)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%s holds %s, not an integer", what, describe(tok))
		}
		s := string(num)
		if strings.ContainsAny(s, ".eE") {
			return nil, fmt.Errorf("%s holds %s, not an integer", what, s)
		}
		if strings.HasPrefix(s, "-") && s != "-0" {
			return nil, fmt.Errorf("%s holds %s, which is negative", what, s)
		}
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s holds %s, too large", what, s)
		}
		v = append(v, x)
	}
	return v, expectDelim(dec, ']', what+" is not an array")
}

// elements is the number of elements of shape. It fails when the product of the non-zero
// dimensions overflows, even if a zero dimension makes the tensor empty, so that code
// multiplying the dimensions in any order never overflows.
func elements(shape []int64) (int64, error) {
	n, empty := int64(1), false
	for _, d := range shape {
		switch {
		case d < 0:
			return 0, fmt.Errorf("shape %s has a negative dimension", ints(shape))
		case d == 0:
			empty = true
		case n > math.MaxInt64/d:
			return 0, fmt.Errorf("shape %s has more elements than an int64 can count", ints(shape))
		default:
			n *= d
		}
	}
	if empty {
		return 0, nil
	}
	return n, nil
}

// checkLayout verifies that the byte ranges, taken in offset order, tile the data section:
// no gap, no overlap, nothing left over.
func checkLayout(entries map[string]entry, dataLen int64) error {
	sorted := make([]entry, 0, len(entries))
	for _, e := range entries {
		sorted = append(sorted, e)
	}
	slices.SortFunc(sorted, func(a, b entry) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		if c := cmp.Compare(a.end, b.end); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var pos int64
	var prev *entry
	for i := range sorted {
		e := &sorted[i]
		switch {
		case e.begin > pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] leave data bytes [%d, %d) unused",
				e.name, e.begin, e.end, pos, e.begin)
		case e.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d, %d] overlap tensor %q at [%d, %d]",
				e.name, e.begin, e.end, prev.name, prev.begin, prev.end)
		}
		pos, prev = e.end, e
	}
	if pos != dataLen {
		return fmt.Errorf("tensors cover %d of the file's %d data bytes", pos, dataLen)
	}
	return nil
}

// ints prints a list of numbers as JSON does, for error messages.
func ints(v []int64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatInt(x, 10)
	}
	return "[" + strings.Join(s, ", ") + "]"
}
