package data

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Facts about the real datasets, computed once from the files with Python's gzip and
// hashlib (SHA-256 of the pixel bytes after the 16-byte header); the first labels are the
// datasets' documented ones.
const (
	mnistDir      = "../../shared/datasets/mnist"
	fashionSysDir = "/usr/share/datasets/fashion-mnist"
)

var realSets = []struct {
	name, dir, split string
	n                int
	pixelsSHA256     string
	firstLabels      []uint8
	histogram        []int
	mean, std        float64
}{
	{"mnist", mnistDir, "test", 10000, "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
		[]uint8{7, 2, 1, 0, 4, 1, 4, 9, 5, 9},
		[]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, 0.132515, 0.310480},
	{"fashion-mnist", fashionSysDir, "test", 10000, "c867c93ff95360594e8ec3287995350b824dd110b11595c0e13d5423f621867a",
		[]uint8{9, 2, 1, 1, 6, 1, 4, 6, 5, 7},
		[]int{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, 0.286849, 0.352444},
	{"fashion-mnist", fashionSysDir, "train", 60000, "2e487a6c89124f78f2d7521542223cafe96f7123c3ca13d447772ac6ecbb3012",
		[]uint8{9, 0, 0, 3, 0, 2, 7, 2, 5, 5},
		[]int{6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, 0.286041, 0.353024},
}

// needDir skips a test whose data is absent here.
func needDir(t testing.TB, dir, how string) {
	t.Helper()
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent (%s)", dir, how)
	}
}

func TestOpenRealDatasets(t *testing.T) {
	for _, rs := range realSets {
		t.Run(rs.name+"-"+rs.split, func(t *testing.T) {
			needDir(t, rs.dir, "MNIST's test split is in ../shared/datasets; Fashion-MNIST comes with apt-get install dataset-fashion-mnist")
			t.Setenv("GOGAN_DATA", t.TempDir()) // keep a developer's own copies out of the search
			spec := Spec{Name: rs.name, Split: rs.split}
			if rs.dir == mnistDir {
				spec.Dir = mnistDir
			}
			ds, err := Open(spec)
			if err != nil {
				t.Fatal(err)
			}
			if ds.Len() != rs.n {
				t.Errorf("%d images, want %d", ds.Len(), rs.n)
			}
			if c, h, w := ds.Shape(); c != 1 || h != 28 || w != 28 {
				t.Errorf("shape (%d, %d, %d), want (1, 28, 28)", c, h, w)
			}
			if got := ds.Labels[:10]; string(got) != string(rs.firstLabels) {
				t.Errorf("first labels %v, want %v", got, rs.firstLabels)
			}
			sum := sha256.Sum256(ds.pixels)
			if got := hex.EncodeToString(sum[:]); got != rs.pixelsSHA256 {
				t.Errorf("pixels SHA-256 %s, want %s", got, rs.pixelsSHA256)
			}
			st := ds.Stats()
			if !slices.Equal(st.Histogram, rs.histogram) {
				t.Errorf("label histogram %v, want %v", st.Histogram, rs.histogram)
			}
			if math.Abs(st.Mean-rs.mean) > 1e-6 || math.Abs(st.Std-rs.std) > 1e-6 {
				t.Errorf("mean %.6f std %.6f, want %.6f %.6f", st.Mean, st.Std, rs.mean, rs.std)
			}
		})
	}
}

// The catalog's sums for the MNIST test files must be those of the real files.
func TestCatalogMatchesRealFiles(t *testing.T) {
	needDir(t, mnistDir, "MNIST's test split is in ../shared/datasets")
	for _, f := range Catalog["mnist"].Files {
		if f.Split != "test" {
			continue
		}
		path := filepath.Join(mnistDir, f.Name)
		sum, err := fileSHA256(path)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(path)
		if sum != f.SHA256 || st.Size() != f.Size {
			t.Errorf("%s: SHA-256 %s, %d bytes; catalog says %s, %d bytes", f.Name, sum, st.Size(), f.SHA256, f.Size)
		}
	}
}

func TestCatalogWellFormed(t *testing.T) {
	for name, src := range Catalog {
		if src.Name != name || src.Title == "" || src.Classes < 2 || len(src.Mirrors) == 0 || len(src.Files) == 0 {
			t.Errorf("%s: incomplete entry %+v", name, src)
		}
		for _, f := range src.Files {
			if b, err := hex.DecodeString(f.SHA256); err != nil || len(b) != 32 || f.Size <= 0 {
				t.Errorf("%s: %s has SHA-256 %q and size %d", name, f.Name, f.SHA256, f.Size)
			}
		}
	}
}

// writeIDXSet writes a split's image and label files into dir under the source's names.
func writeIDXSet(t *testing.T, dir string, src *Source, split string, n, h, w int, labels []byte) {
	t.Helper()
	img, lbl := src.IDXFiles(split)
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, img), gzipBytes(encodeIDX([]int{n, h, w}, ramp(n*h*w))), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lbl), encodeIDX([]int{len(labels)}, labels), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Setenv("GOGAN_DATA", "")
	mnist := Catalog["mnist"]
	mismatch, noLabels, badLabel := t.TempDir(), t.TempDir(), t.TempDir()
	writeIDXSet(t, mismatch, mnist, "train", 3, 2, 2, []byte{1, 2})
	writeIDXSet(t, noLabels, mnist, "train", 2, 2, 2, []byte{1, 2})
	os.Remove(filepath.Join(noLabels, "train-labels-idx1-ubyte.gz"))
	writeIDXSet(t, badLabel, mnist, "train", 2, 2, 2, []byte{1, 10})
	empty := t.TempDir()
	tests := []struct {
		name string
		spec Spec
		want []string
	}{
		{"count mismatch", Spec{Name: "mnist", Dir: mismatch},
			[]string{"train-images-idx3-ubyte.gz has 3 images but", "train-labels-idx1-ubyte.gz has 2 labels"}},
		{"labels missing", Spec{Name: "mnist", Dir: noLabels}, []string{noLabels, "not its labels train-labels-idx1-ubyte.gz"}},
		{"label out of range", Spec{Name: "mnist", Dir: badLabel}, []string{"label 10 of image 1 is outside 0..9"}},
		{"absent", Spec{Name: "kmnist", Dir: empty},
			[]string{"Kuzushiji-MNIST train split not found", empty, "data/kmnist", "$GOGAN_DATA is not set", "gan download kmnist"}},
		{"unknown name", Spec{Name: "cifar"}, []string{`unknown dataset "cifar"`, "emnist-letters"}},
		{"bad split", Spec{Name: "mnist", Split: "val"}, []string{"split must be train or test"}},
		{"bad channels", Spec{Name: "mnist", Channels: 2}, []string{"channels must be 1 or 3"}},
		{"image size too large", Spec{Name: "mnist", ImageSize: 5000}, []string{"image size must be 0 (native) to 4096, not 5000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.spec)
			if err == nil {
				t.Fatalf("no error, want %q", tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// Where the system package is missing, the error says how to install it.
func TestLocateSuggestsPackage(t *testing.T) {
	t.Setenv("GOGAN_DATA", "")
	fashion := *Catalog["fashion-mnist"]
	fashion.SystemDirs = []string{filepath.Join(t.TempDir(), "not-installed")}
	_, _, _, err := locate(&fashion, Spec{Split: "test", Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "gan download fashion-mnist' or 'apt-get install dataset-fashion-mnist'") ||
		!strings.Contains(err.Error(), "not-installed") {
		t.Errorf("error %v, want one naming the package folder and both ways to get the data", err)
	}
}

func TestOpenSearchOrder(t *testing.T) {
	mnist := Catalog["mnist"]
	env := t.TempDir()
	t.Setenv("GOGAN_DATA", env)
	writeIDXSet(t, filepath.Join(env, "mnist"), mnist, "test", 2, 3, 3, []byte{4, 5})
	ds, err := Open(Spec{Name: "mnist", Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Source != filepath.Join(env, "mnist") || ds.Len() != 2 {
		t.Errorf("read %d images from %s, want 2 from $GOGAN_DATA/mnist", ds.Len(), ds.Source)
	}
	// --data comes first, as the folder itself or as a parent of <name>/.
	parent := t.TempDir()
	writeIDXSet(t, filepath.Join(parent, "mnist"), mnist, "test", 3, 3, 3, []byte{4, 5, 6})
	ds, err = Open(Spec{Name: "mnist", Split: "test", Dir: parent})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 {
		t.Errorf("read %d images from %s, want 3 from --data", ds.Len(), ds.Source)
	}
}

func TestOpenEMNISTTransposes(t *testing.T) {
	src := Catalog["emnist-letters"]
	dir := t.TempDir()
	writeIDXSet(t, dir, src, "test", 1, 2, 3, []byte{26}) // stored 2×3: 0 1 2 / 3 4 5
	ds, err := Open(Spec{Name: "emnist-letters", Dir: dir, Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, h, w := ds.Shape(); h != 3 || w != 2 {
		t.Fatalf("shape %d×%d, want 3×2", h, w)
	}
	if got, want := ds.Image(0), []uint8{0, 3, 1, 4, 2, 5}; string(got) != string(want) {
		t.Errorf("pixels %v, want the transpose %v", got, want)
	}
}

// Asking for more memory than the bound fails before allocating it.
func TestOpenTooLargeForMemory(t *testing.T) {
	dir := t.TempDir()
	writeIDXSet(t, dir, Catalog["mnist"], "train", 700, 2, 2, make([]byte, 700))
	_, err := Open(Spec{Name: "mnist", Dir: dir, ImageSize: 4096, Channels: 3})
	if err == nil || !strings.Contains(err.Error(), "700 images of 3×4096×4096 need 35.2 GB") {
		t.Errorf("error %v, want one giving the memory needed", err)
	}
}

func TestOpenResizeAndChannels(t *testing.T) {
	mnist := Catalog["mnist"]
	dir := t.TempDir()
	writeIDXSet(t, dir, mnist, "train", 2, 4, 4, []byte{0, 1})
	ds, err := Open(Spec{Name: "mnist", Dir: dir, ImageSize: 8, Channels: 3})
	if err != nil {
		t.Fatal(err)
	}
	if c, h, w := ds.Shape(); c != 3 || h != 8 || w != 8 || ds.Len() != 2 {
		t.Fatalf("%d images of (%d, %d, %d), want 2 of (3, 8, 8)", ds.Len(), c, h, w)
	}
	img := ds.Image(1)
	if string(img[:64]) != string(img[64:128]) || string(img[:64]) != string(img[128:]) {
		t.Error("the three planes of a gray image differ")
	}
	// Image 1 holds bytes 16..31 in raster order: darkest top left, brightest bottom right.
	if !(img[0] < img[63]) || img[0] < 14 || img[63] > 33 {
		t.Errorf("resized corners %d and %d, want a ramp within about 16..31", img[0], img[63])
	}
	same, err := Open(Spec{Name: "mnist", Dir: dir, Channels: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c, h, _ := same.Shape(); c != 1 || h != 4 || string(same.Image(1)) != string(ramp(32)[16:]) {
		t.Errorf("native size and channels changed the pixels: shape %d×%d, %v", c, h, same.Image(1))
	}
}

func TestIsFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.Mkdir("mnist", 0o755)
	os.Mkdir("photos", 0o755)
	for name, want := range map[string]bool{
		"mnist": false, "MNIST": false, "fashion-mnist": false, // names, even beside a folder "mnist"
		"photos": true, "./mnist": true, "mnist/": true, dir: true,
		"cifar": false, // neither: Open will say it is unknown
	} {
		if got := IsFolder(name); got != want {
			t.Errorf("IsFolder(%q) = %v, want %v", name, got, want)
		}
	}
}
