package data

import (
	"bufio"
	"fmt"
	"math"
	"os"

	"gorgonia.org/tensor"

	"gogan/internal/plainfile"
)

// ReadSamples reads images from disk as an (N, C, H, W) float32 tensor in [-1, 1]: a folder
// of images (as Open reads one, at the first image's size), an IDX image file, or a NumPy
// .npy file of float32 values in [-1, 1] or of bytes, shaped (N, C, H, W) or (N, H, W).
func ReadSamples(path string) (*tensor.Dense, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	if st.IsDir() {
		ds, err := Open(Spec{Folder: path, TooLarge: "score fewer or smaller images: they are resized for scoring anyway"})
		if err != nil {
			return nil, err
		}
		return ds.all(), nil
	}
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read samples: %w", err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	if head, _ := br.Peek(len(npyMagic)); string(head) == npyMagic {
		a, err := decodeNPY(br, st.Size())
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		t, err := samplesFromNPY(a)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return t, nil
	}
	idx, err := DecodeIDX(br, st.Size())
	if err != nil {
		return nil, fmt.Errorf("read %s: not an .npy file, and as IDX: %w", path, err)
	}
	if len(idx.Dims) != 3 || idx.Dims[0] == 0 || idx.Dims[1] == 0 || idx.Dims[2] == 0 {
		return nil, fmt.Errorf("read %s: wrong dimensions %s for images, want N×H×W, all above 0", path, dimsString(idx.Dims))
	}
	ds := &Dataset{pixels: idx.Data, n: idx.Dims[0], c: 1, h: idx.Dims[1], w: idx.Dims[2]}
	return ds.all(), nil
}

// all returns every image of the dataset, in order, as one tensor.
func (d *Dataset) all() *tensor.Dense {
	order := make([]int, d.n)
	for i := range order {
		order[i] = i
	}
	return d.Batch(order)
}

// samplesFromNPY turns an .npy array of float32 values in [-1, 1] or of bytes, shaped
// (N, C, H, W) with C 1 or 3 or (N, H, W), into an (N, C, H, W) float32 tensor.
func samplesFromNPY(a *NPY) (*tensor.Dense, error) {
	shape := a.Shape
	if len(shape) != 3 && len(shape) != 4 || len(shape) == 4 && shape[1] != 1 && shape[1] != 3 {
		return nil, fmt.Errorf(".npy shape %v is not (N, C, H, W) with C 1 or 3, nor (N, H, W)", shape)
	}
	if len(shape) == 3 {
		shape = []int{shape[0], 1, shape[1], shape[2]}
	}
	values := a.Float32
	if a.Uint8 != nil {
		values = make([]float32, len(a.Uint8))
		for i, v := range a.Uint8 {
			values[i] = byteToUnit[v]
		}
	}
	for i, v := range values {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("value %d is %v; samples must be finite", i, v)
		}
	}
	return tensor.New(tensor.WithShape(shape...), tensor.WithBacking(values)), nil
}
