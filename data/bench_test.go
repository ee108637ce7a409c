package data

import (
	"path/filepath"
	"testing"
)

// fashionSpec finds Fashion-MNIST's training split where Open would, the Debian package's
// folder included.
func fashionSpec(b *testing.B) Spec {
	spec := Spec{Name: "fashion-mnist", Split: "train"}
	dir, _, _, err := locate(Catalog[spec.Name], spec)
	if err != nil {
		b.Skip(err)
	}
	spec.Dir = dir
	return spec
}

// BenchmarkDecodeFashionMNIST measures reading the 60,000 training images from their gzip
// IDX file.
func BenchmarkDecodeFashionMNIST(b *testing.B) {
	spec := fashionSpec(b)
	path := filepath.Join(spec.Dir, "train-images-idx3-ubyte.gz")
	images := 0
	for b.Loop() {
		idx, err := ReadIDX(path)
		if err != nil {
			b.Fatal(err)
		}
		images += idx.Dims[0]
		b.SetBytes(int64(len(idx.Data)))
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkLoaderFashionMNIST measures the batches of 64 a trainer receives from Next, with
// the background goroutine converting and shuffling.
func BenchmarkLoaderFashionMNIST(b *testing.B) {
	ds, err := Open(fashionSpec(b))
	if err != nil {
		b.Fatal(err)
	}
	l, err := NewLoader(ds, 64, 1, true)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	images := 0
	for b.Loop() {
		batch, _, _ := l.Next()
		images += batch.Shape()[0]
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
}

// BenchmarkDecodeAndEpochFashionMNIST measures the whole path per epoch: open the training
// split (decode images and labels), then take every batch of 64.
func BenchmarkDecodeAndEpochFashionMNIST(b *testing.B) {
	spec := fashionSpec(b)
	images := 0
	for b.Loop() {
		ds, err := Open(spec)
		if err != nil {
			b.Fatal(err)
		}
		l, err := NewLoader(ds, 64, 1, true)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < l.BatchesPerEpoch(); i++ {
			batch, _, _ := l.Next()
			images += batch.Shape()[0]
		}
		l.Close()
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
}
