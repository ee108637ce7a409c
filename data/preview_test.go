package data

import (
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// previewIndices recovers which numbered image each preview slot holds: -1 for a blank.
func previewIndices(t *testing.T, images *tensor.Dense) []int {
	t.Helper()
	s := images.Shape()
	data := images.Data().([]float32)
	out := make([]int, s[0])
	size := s[1] * s[2] * s[3]
	for k := range out {
		v := data[k*size]
		if v == 0 { // no byte maps to 0 exactly: 127 and 128 fall either side
			out[k] = -1
			continue
		}
		out[k] = int((v+1)*127.5 + 0.5)
	}
	return out
}

// TestPreviewRowPerClass: a labelled dataset's preview has one row per class that has
// images, named by the class, holding that class's first images in order and blank where
// the class has too few.
func TestPreviewRowPerClass(t *testing.T) {
	ds := numbered(12)
	ds.Labels = []uint8{2, 0, 2, 1, 0, 2, 2, 2, 0, 0, 0, 2}
	ds.Classes, ds.ClassNames = 4, []string{"ant", "bee", "cat", "dog"} // no dog
	p := ds.Preview(64, 3)
	if want := []string{"ant", "bee", "cat"}; !slices.Equal(p.RowNames, want) || p.Row != 3 {
		t.Fatalf("rows %v of %d, want %v of 3", p.RowNames, p.Row, want)
	}
	want := []int{1, 4, 8, 3, -1, -1, 0, 2, 5}
	if got := previewIndices(t, p.Images); !slices.Equal(got, want) {
		t.Errorf("preview holds images %v, want %v", got, want)
	}
	for k, i := range want {
		if i >= 0 && p.RowNames[k/p.Row] != ds.ClassNames[ds.Labels[i]] {
			t.Errorf("slot %d holds image %d of %s in the row of %s", k, i, ds.ClassNames[ds.Labels[i]], p.RowNames[k/p.Row])
		}
	}
}

// TestPreviewUnlabelled: without labels the preview is the first images, unnamed.
func TestPreviewUnlabelled(t *testing.T) {
	ds := numbered(12)
	p := ds.Preview(5, 8)
	if p.RowNames != nil || p.Row != 8 {
		t.Errorf("unlabelled preview has rows %v of %d, want none of 8", p.RowNames, p.Row)
	}
	if got := previewIndices(t, p.Images); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("preview holds %v, want the first 5", got)
	}
}

// TestPreviewManyClasses: many classes shorten the rows so that the grid stays bounded.
func TestPreviewManyClasses(t *testing.T) {
	ds := numbered(400)
	ds.Labels = make([]uint8, 400)
	ds.Classes = 200
	for i := range ds.Labels {
		ds.Labels[i] = uint8(i % 200)
	}
	p := ds.Preview(64, 8)
	if len(p.RowNames) != 200 || p.Row != previewImages/200 || p.RowNames[13] != "13" {
		t.Errorf("200 classes: %d rows of %d (row 13 %q), want 200 of %d named by number", len(p.RowNames), p.Row, p.RowNames[13], previewImages/200)
	}
}

// TestWritePreview: the written grid has the labelled layout (a margin for the names, one
// row per class), and a .jpg name gives a JPEG.
func TestWritePreview(t *testing.T) {
	ds := numbered(6)
	ds.Labels = []uint8{0, 1, 0, 1, 0, 1}
	ds.Classes, ds.ClassNames = 2, []string{"left", "right"}
	dir := t.TempDir()
	for _, name := range []string{"grid.png", "grid.jpg"} {
		path := filepath.Join(dir, name)
		p, err := WritePreview(path, ds, 64, 8)
		if err != nil {
			t.Fatal(err)
		}
		b := readPNG(t, path).Bounds()
		plain := p.Row*(2+2) + 2
		if b.Dy() != 2*(2+2)+2 || b.Dx() <= plain {
			t.Errorf("%s is %d×%d, want 2 rows high (%d) and wider than the %d of an unlabelled grid", name, b.Dx(), b.Dy(), 2*(2+2)+2, plain)
		}
	}
	f, err := os.Open(filepath.Join(dir, "grid.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := jpeg.Decode(f); err != nil {
		t.Errorf("grid.jpg is not a JPEG: %v", err)
	}
}

func TestClassSummary(t *testing.T) {
	names, counts := []string{"a", "b", "c"}, []int{5, 6, 7}
	if got, want := ClassSummary(names, counts, 3), "a 5, b 6, c 7"; got != want {
		t.Errorf("all shown: %q, want %q", got, want)
	}
	if got, want := ClassSummary(names, counts, 2), "a 5, b 6, … 3 classes"; got != want {
		t.Errorf("compact: %q, want %q", got, want)
	}
}
