package main

import (
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedMNIST is the MNIST test split that the project keeps beside the repository.
const sharedMNIST = "../../../shared/datasets/mnist"

func needShared(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(sharedMNIST); err != nil {
		t.Skipf("%s is absent (the MNIST test split lives in the shared datasets folder)", sharedMNIST)
	}
}

func TestDataSummaryAndGrid(t *testing.T) {
	needShared(t)
	grid := filepath.Join(t.TempDir(), "mnist.png")
	res := mustGan(t, "data", "--dataset", "mnist", "--data", sharedMNIST, "--split", "test", "--grid", grid)
	// MNIST's test split: 10,000 digits, 1,135 ones, mean 0.1325 and std 0.3105 of [0, 1] pixels.
	for _, want := range []string{"MNIST test", "images: 10000 of 1×28×28", "mean 0.1325, std 0.3105", "10 classes", "1: 1135", "9: 1009"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, res.stdout)
		}
	}
	if got, want := decodePNG(t, grid).Bounds().Size(), gridSize(64, 8, 28); got != want {
		t.Errorf("grid is %v, want %v", got, want)
	}
}

func TestDataFolder(t *testing.T) {
	dir := t.TempDir()
	for i, c := range []color.NRGBA{{255, 0, 0, 255}, {0, 0, 255, 255}, {0, 255, 0, 255}} {
		img := image.NewNRGBA(image.Rect(0, 0, 12, 10))
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R, c.G, c.B, c.A
		}
		f, _ := os.Create(filepath.Join(dir, string(rune('a'+i))+".png"))
		png.Encode(f, img)
		f.Close()
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("hello"), 0o644)
	grid := filepath.Join(t.TempDir(), "folder.png")
	res := mustGan(t, "data", "--dataset", dir, "--image-size", "8", "--grid", grid)
	if !strings.Contains(res.stdout, "images: 3 of 3×8×8") || !strings.Contains(res.stdout, "labels: none") {
		t.Errorf("summary:\n%s", res.stdout)
	}
	if !strings.Contains(res.stderr, "notes.txt (not a PNG, JPEG, GIF, WebP or BMP image)") {
		t.Errorf("no warning naming notes.txt: %q", res.stderr)
	}
	if got, want := decodePNG(t, grid).Bounds().Size(), gridSize(3, 8, 8); got != want {
		t.Errorf("grid is %v, want %v", got, want)
	}
}

func TestDataBadInput(t *testing.T) {
	empty := t.TempDir()
	garbage := t.TempDir()
	os.WriteFile(filepath.Join(garbage, "train-images-idx3-ubyte.gz"), []byte("not gzip, not IDX"), 0o644)
	os.WriteFile(filepath.Join(garbage, "train-labels-idx1-ubyte.gz"), []byte{0, 0, 8, 1, 0, 0, 0, 0}, 0o644)
	t.Setenv("GOGAN_DATA", empty)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"empty dataset", []string{"data", "--dataset", ""}, []string{"--dataset is empty"}},
		{"unknown", []string{"data", "--dataset", "cifar"}, []string{`unknown dataset "cifar"`}},
		{"absent", []string{"data", "--dataset", "kmnist", "--data", empty}, []string{"not found", "gan download kmnist"}},
		{"bad split", []string{"data", "--dataset", "mnist", "--split", "dev"}, []string{"split must be train or test"}},
		{"corrupt file", []string{"data", "--dataset", "mnist", "--data", garbage},
			[]string{filepath.Join(garbage, "train-images-idx3-ubyte.gz"), "not an IDX file"}},
		{"empty folder", []string{"data", "--dataset", empty + "/"}, []string{"has no files"}},
		{"bad channels", []string{"data", "--dataset", "mnist", "--channels", "4"}, []string{"channels must be 1 or 3"}},
		{"download without name", []string{"download"}, []string{"name a dataset"}},
		{"download unknown", []string{"download", "cifar"}, []string{`unknown dataset "cifar"`}},
		{"download bad split", []string{"download", "mnist", "--split", "x", "--dir", empty}, []string{"split must be train or test"}},
		{"download two names", []string{"download", "mnist", "kmnist"}, []string{`unexpected argument "kmnist"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			expectOneLineError(t, gan(t, tc.args...), tc.want...)
		})
	}
	if res := gan(t, "download", "mnist", "--mirror", "ftp://x"); res.code != 2 {
		t.Errorf("--mirror ftp://x: exit %d, want 2 (usage)", res.code)
	}
}

// gan download against a local mirror: the real MNIST test files pass, altered ones fail.
func TestDownloadCommand(t *testing.T) {
	needShared(t)
	files := map[string][]byte{}
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(sharedMNIST, name))
		if err != nil {
			t.Fatal(err)
		}
		files[name] = b
	}
	serve := func(files map[string][]byte) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, ok := files[filepath.Base(r.URL.Path)]
			if !ok {
				http.NotFound(w, r)
				return
			}
			w.Write(body)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	dir := filepath.Join(t.TempDir(), "mnist")
	// The name may come after the flags too.
	res := mustGan(t, "download", "--split", "test", "--mirror", serve(files), "--dir", dir, "mnist")
	if !strings.Contains(res.stdout, "mnist is in "+dir) || !strings.Contains(res.stderr, "SHA-256 verified") {
		t.Errorf("stdout %q, stderr %q", res.stdout, res.stderr)
	}
	mustGan(t, "data", "--dataset", "mnist", "--data", dir, "--split", "test", "--grid", filepath.Join(dir, "g.png"))

	altered := map[string][]byte{}
	for name, b := range files {
		altered[name] = append([]byte(nil), b...)
		altered[name][len(b)/2] ^= 1
	}
	res = gan(t, "download", "mnist", "--split", "test", "--mirror", serve(altered), "--dir", t.TempDir())
	// Progress lines come first; the error is the last line.
	lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if res.code != 1 || !strings.HasPrefix(last, "gan download: download t10k-images-idx3-ubyte.gz: every mirror failed") ||
		strings.Count(res.stderr, "SHA-256 mismatch") != 1 || strings.Contains(res.stderr, "panic") {
		t.Errorf("altered files: exit %d, stderr:\n%s", res.code, res.stderr)
	}
}

// In $GOGAN_DATA itself a dataset's name still means the dataset, not the folder beside it.
func TestDataNameBesideFolder(t *testing.T) {
	dir := t.TempDir()
	writeIDXDataset(t, dir, 10)
	t.Chdir(dir)
	t.Setenv("GOGAN_DATA", dir)
	res := mustGan(t, "data", "--dataset", "mnist", "--grid", "g.png")
	if !strings.Contains(res.stdout, "MNIST train") || !strings.Contains(res.stdout, "images: 10 of 1×28×28") {
		t.Errorf("summary:\n%s", res.stdout)
	}
}
