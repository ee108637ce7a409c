package data

import (
	"image/color"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFolderClasses: class subfolders, sorted by name, label their images at any depth, as
// torchvision's ImageFolder; a loose image or a single class leaves the folder unlabelled.
func TestFolderClasses(t *testing.T) {
	dir := t.TempDir()
	dark, light := color.NRGBA{20, 20, 20, 255}, color.NRGBA{230, 230, 230, 255}
	writeImage(t, filepath.Join(dir, "zebra", "1.png"), solid(8, 8, light))
	writeImage(t, filepath.Join(dir, "ant", "1.png"), solid(8, 8, dark))
	writeImage(t, filepath.Join(dir, "ant", "deep", "2.png"), solid(8, 8, dark))
	writeImage(t, filepath.Join(dir, "moth", "1.png"), solid(8, 8, light))
	ds, err := Open(Spec{Folder: dir, ImageSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ant", "moth", "zebra"}; ds.Classes != 3 || !slices.Equal(ds.ClassNames, want) {
		t.Fatalf("%d classes %v, want %v", ds.Classes, ds.ClassNames, want)
	}
	// Walk order: ant/1, ant/deep/2, moth/1, zebra/1.
	if want := []uint8{0, 0, 1, 2}; !slices.Equal(ds.Labels, want) {
		t.Errorf("labels %v, want %v", ds.Labels, want)
	}
	for i, l := range ds.Labels {
		if bright := mean(ds.Image(i)) > 128; bright != (l != 0) {
			t.Errorf("image %d of class %s has mean %.0f: labels are not the images'", i, ds.ClassNames[l], mean(ds.Image(i)))
		}
	}

	writeImage(t, filepath.Join(dir, "loose.png"), solid(8, 8, dark))
	ds, err = Open(Spec{Folder: dir, ImageSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Labels != nil || !strings.Contains(ds.Unlabelled, "loose.png") {
		t.Errorf("with a loose image: labels %v, reason %q; want none, naming loose.png", ds.Labels, ds.Unlabelled)
	}
	one := t.TempDir()
	writeImage(t, filepath.Join(one, "only", "1.png"), solid(8, 8, dark))
	if ds, err := Open(Spec{Folder: one}); err != nil || ds.Labels != nil || !strings.Contains(ds.Unlabelled, "at least 2") {
		t.Errorf("one class: labels %v, reason %q, err %v", ds.Labels, ds.Unlabelled, err)
	}
}

// TestLoaderLabels: the labels of each batch are those of the images it holds.
func TestLoaderLabels(t *testing.T) {
	ds := numbered(10)
	ds.Labels = []uint8{3, 1, 4, 1, 5, 9, 2, 6, 5, 3}
	l, err := NewLoader(ds, 4, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var labels []uint8
	for i := 0; i < 5; i++ {
		b, _, _ := l.Next()
		labels = l.Labels(labels)
		idx := indices(t, b)
		if len(labels) != len(idx) {
			t.Fatalf("%d labels for %d images", len(labels), len(idx))
		}
		for k, j := range idx {
			if labels[k] != ds.Labels[j] {
				t.Errorf("batch %d image %d: label %d, want %d", i, j, labels[k], ds.Labels[j])
			}
		}
	}
	if got := (&Loader{ds: numbered(2)}).Labels(nil); got != nil {
		t.Errorf("labels %v of an unlabelled dataset", got)
	}
}

// TestFashionMNISTClassNames: the named dataset's classes carry Fashion-MNIST's names.
func TestFashionMNISTClassNames(t *testing.T) {
	names := Catalog["fashion-mnist"].Names()
	if len(names) != 10 || names[7] != "Sneaker" || names[9] != "Ankle boot" {
		t.Errorf("Fashion-MNIST classes %v", names)
	}
	if got := Catalog["mnist"].Names(); got[0] != "0" || got[9] != "9" || len(got) != 10 {
		t.Errorf("MNIST classes %v, want the digits", got)
	}
}

// TestCatalogClassNames: every named dataset names each of its classes; EMNIST's are the
// characters of its mapping files, KMNIST's the romanised hiragana.
func TestCatalogClassNames(t *testing.T) {
	for name, src := range Catalog {
		if names := src.Names(); len(names) != src.Classes {
			t.Errorf("%s: %d names for %d classes", name, len(names), src.Classes)
		}
	}
	for _, c := range []struct {
		dataset string
		at      map[int]string
	}{
		{"emnist-balanced", map[int]string{9: "9", 10: "A", 35: "Z", 36: "a", 38: "d", 46: "t"}},
		{"emnist-bymerge", map[int]string{36: "a", 46: "t"}},
		{"emnist-byclass", map[int]string{10: "A", 36: "a", 61: "z"}},
		{"emnist-letters", map[int]string{0: "N/A", 1: "a", 26: "z"}},
		{"emnist-digits", map[int]string{0: "0", 9: "9"}},
		{"kmnist", map[int]string{0: "o", 3: "tsu", 9: "wo"}},
	} {
		names := Catalog[c.dataset].Names()
		for i, want := range c.at {
			if names[i] != want {
				t.Errorf("%s class %d is %q, want %q", c.dataset, i, names[i], want)
			}
		}
	}
}
