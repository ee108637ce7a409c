package pth

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// dtype is a storage's element type.
type dtype int

const (
	f32 dtype = iota
	f64
	f16
	bf16
	i64
	i32
	i16
	i8
	u8
	boolean
)

func (d dtype) String() string {
	return [...]string{"float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"}[d]
}

func (d dtype) size() int { return [...]int{4, 8, 2, 2, 8, 4, 2, 1, 1, 1}[d] }

// maxElements bounds a tensor's and a storage's element count, far above any generator's
// and far from overflowing an int64 when multiplied by an element size.
const maxElements = 1 << 40

// check verifies that the tensor's view lies inside its storage: every element's index,
// offset + Σ i_k·stride_k, is below the storage's element count.
func (t *tensorRef) check() error {
	if t.storage.numel > maxElements {
		return fmt.Errorf("a storage of %d elements, more than %d", t.storage.numel, int64(maxElements))
	}
	n, last := int64(1), t.offset
	for i, d := range t.shape {
		if d > maxElements || t.strides[i] > maxElements {
			return fmt.Errorf("size %v, stride %v: beyond %d", t.shape, t.strides, int64(maxElements))
		}
		n *= d
		if n > maxElements {
			return fmt.Errorf("size %v: more than %d elements", t.shape, int64(maxElements))
		}
		if d > 0 {
			last += (d - 1) * t.strides[i]
		}
		if last > maxElements {
			return fmt.Errorf("size %v, stride %v, offset %d: beyond %d elements", t.shape, t.strides, t.offset, int64(maxElements))
		}
	}
	if n > 0 && last >= t.storage.numel {
		return fmt.Errorf("size %v, stride %v, offset %d reach element %d of a storage of %d", t.shape, t.strides, t.offset, last, t.storage.numel)
	}
	return nil
}

var errDType = errors.New("unknown element type")

// gather copies the tensor's elements, row-major, as float32.
func gather(t *tensorRef, data []byte) []float32 {
	n := int64(1)
	for _, d := range t.shape {
		n *= d
	}
	out := make([]float32, n)
	idx := make([]int64, len(t.shape))
	pos := t.offset
	size := int64(t.storage.dtype.size())
	for i := range out {
		out[i] = element(t.storage.dtype, data[pos*size:])
		// Advance the multi-index like an odometer, moving pos by the strides.
		for k := len(idx) - 1; k >= 0; k-- {
			idx[k]++
			pos += t.strides[k]
			if idx[k] < t.shape[k] {
				break
			}
			pos -= idx[k] * t.strides[k]
			idx[k] = 0
		}
	}
	return out
}

// element decodes one little-endian element as float32.
func element(d dtype, b []byte) float32 {
	le := binary.LittleEndian
	switch d {
	case f32:
		return math.Float32frombits(le.Uint32(b))
	case f64:
		return float32(math.Float64frombits(le.Uint64(b)))
	case f16:
		return halfToFloat(le.Uint16(b))
	case bf16:
		return math.Float32frombits(uint32(le.Uint16(b)) << 16)
	case i64:
		return float32(int64(le.Uint64(b)))
	case i32:
		return float32(int32(le.Uint32(b)))
	case i16:
		return float32(int16(le.Uint16(b)))
	case i8:
		return float32(int8(b[0]))
	case u8, boolean:
		return float32(b[0])
	}
	panic(errDType) // storageTypes holds only the cases above
}

// halfToFloat converts an IEEE 754 binary16 value exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0: // zero or subnormal: frac·2^-24
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}
