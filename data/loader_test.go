package data

import (
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// numbered is a dataset of n 1×2×2 images whose pixels all hold the image's index, so that
// a batch tells which images it holds.
func numbered(n int) *Dataset {
	px := make([]uint8, 4*n)
	for i := range px {
		px[i] = uint8(i / 4)
	}
	return &Dataset{Name: "numbered", pixels: px, n: n, c: 1, h: 2, w: 2}
}

// indices recovers the image indices from a batch of numbered images.
func indices(t *testing.T, b *tensor.Dense) []int {
	t.Helper()
	s := b.Shape()
	if len(s) != 4 || s[1] != 1 || s[2] != 2 || s[3] != 2 {
		t.Fatalf("batch shape %v, want (N, 1, 2, 2)", s)
	}
	data := b.Data().([]float32)
	out := make([]int, s[0])
	for k := range out {
		v := data[4*k]
		out[k] = int((v+1)*127.5 + 0.5)
		if byteToUnit[out[k]] != v {
			t.Fatalf("value %v is no byte mapped to [-1, 1]", v)
		}
	}
	return out
}

func TestPermutation(t *testing.T) {
	p := Permutation(1000, 42, 3)
	sorted := slices.Clone(p)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("not a permutation of 0..999: %d at %d", v, i)
		}
	}
	if !slices.Equal(p, Permutation(1000, 42, 3)) {
		t.Error("same seed and epoch gave two orders")
	}
	if slices.Equal(p, Permutation(1000, 42, 4)) || slices.Equal(p, Permutation(1000, 43, 3)) {
		t.Error("another epoch or seed gave the same order")
	}
	fixed := 0
	for i, v := range p {
		if i == v {
			fixed++
		}
	}
	if fixed > 10 { // a uniform shuffle of 1000 leaves about 1 in place
		t.Errorf("%d of 1000 items left in place", fixed)
	}
	if len(Permutation(0, 1, 0)) != 0 || !slices.Equal(Permutation(1, 1, 0), []int{0}) {
		t.Error("wrong permutation of 0 or 1 items")
	}
}

func TestLoaderEpochs(t *testing.T) {
	for _, dropLast := range []bool{false, true} {
		ds := numbered(10)
		l, err := NewLoader(ds, 4, 7, dropLast)
		if err != nil {
			t.Fatal(err)
		}
		wantBatches, wantLast := 3, 2
		if dropLast {
			wantBatches, wantLast = 2, 4
		}
		if l.BatchesPerEpoch() != wantBatches {
			t.Errorf("dropLast=%v: %d batches per epoch, want %d", dropLast, l.BatchesPerEpoch(), wantBatches)
		}
		for epoch := 0; epoch < 3; epoch++ {
			var seen []int
			for i := 0; i < wantBatches; i++ {
				if e, idx := l.Position(); e != epoch || idx != i {
					t.Fatalf("position (%d, %d), want (%d, %d)", e, idx, epoch, i)
				}
				b, e, ok := l.Next()
				if !ok || e != epoch {
					t.Fatalf("batch %d: epoch %d ok %v, want epoch %d", i, e, ok, epoch)
				}
				got := indices(t, b)
				if i == wantBatches-1 && len(got) != wantLast {
					t.Errorf("last batch has %d images, want %d", len(got), wantLast)
				}
				seen = append(seen, got...)
			}
			if want := Permutation(10, 7, uint64(epoch))[:len(seen)]; !slices.Equal(seen, want) {
				t.Errorf("dropLast=%v epoch %d: order %v, want %v", dropLast, epoch, seen, want)
			}
		}
		l.Close()
		if _, _, ok := l.Next(); ok {
			t.Error("Next after Close gave a batch")
		}
		l.Close()
	}
}

// A loader that seeks to (epoch, k) continues exactly as one that took the first batches.
func TestLoaderSeek(t *testing.T) {
	ds := numbered(25)
	ref, _ := NewLoader(ds, 8, 99, true)
	defer ref.Close()
	var want [][]int
	for i := 0; i < 10; i++ {
		b, _, _ := ref.Next()
		want = append(want, indices(t, b))
	}
	for _, start := range []struct{ epoch, index, at int }{{0, 0, 0}, {1, 2, 5}, {2, 1, 7}, {0, 7, 7}} {
		l, _ := NewLoader(ds, 8, 99, true)
		l.Next() // Seek must also work after batches were taken and prefetched
		if err := l.Seek(start.epoch, start.index); err != nil {
			t.Fatal(err)
		}
		for i := start.at; i < len(want); i++ {
			b, _, _ := l.Next()
			if got := indices(t, b); !slices.Equal(got, want[i]) {
				t.Errorf("seek (%d, %d): batch %d is %v, want %v", start.epoch, start.index, i, got, want[i])
			}
		}
		l.Close()
	}
	l, _ := NewLoader(ds, 8, 99, true)
	if err := l.Seek(-1, 0); err == nil {
		t.Error("seek to epoch -1 accepted")
	}
	l.Close()
	if err := l.Seek(0, 0); err == nil {
		t.Error("seek on a closed loader accepted")
	}
}

func TestLoaderErrors(t *testing.T) {
	ds := numbered(5)
	if _, err := NewLoader(ds, 0, 1, false); err == nil {
		t.Error("batch size 0 accepted")
	}
	if _, err := NewLoader(ds, 6, 1, true); err == nil {
		t.Error("dropping every batch accepted")
	}
	l, err := NewLoader(ds, 6, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if b, _, _ := l.Next(); b.Shape()[0] != 5 {
		t.Errorf("one partial batch has shape %v, want 5 images", b.Shape())
	}
}

func TestBatchValues(t *testing.T) {
	ds := &Dataset{pixels: []uint8{0, 255, 128, 64, 1, 2}, n: 1, c: 3, h: 1, w: 2}
	b := ds.Batch([]int{0})
	if s := b.Shape(); !slices.Equal([]int(s), []int{1, 3, 1, 2}) || b.Dtype() != tensor.Float32 {
		t.Fatalf("batch %v of %v, want (1, 3, 1, 2) float32", s, b.Dtype())
	}
	got := b.Data().([]float32)
	for i, v := range ds.pixels {
		if want := float32(v)/127.5 - 1; got[i] != want {
			t.Errorf("byte %d became %v, want %v", v, got[i], want)
		}
	}
	if got[0] != -1 || got[1] != 1 {
		t.Errorf("0 and 255 became %v and %v, want -1 and 1", got[0], got[1])
	}
}
