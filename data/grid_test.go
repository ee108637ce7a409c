package data

import (
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/disintegration/imaging"
	"gorgonia.org/tensor"
)

// filled is n images of shape (c, h, w) where image k, channel ch holds value(k, ch).
func filled(n, c, h, w int, value func(k, ch int) float32) *tensor.Dense {
	data := make([]float32, n*c*h*w)
	for k := 0; k < n; k++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < h*w; i++ {
				data[(k*c+ch)*h*w+i] = value(k, ch)
			}
		}
	}
	return tensor.New(tensor.WithShape(n, c, h, w), tensor.WithBacking(data))
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	img, err := imaging.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestGridLayout(t *testing.T) {
	// Five 4×4 gray images, values -1, -0.5, 0, 0.5, 1; three per row; padding 2 of value 1.
	images := filled(5, 1, 4, 4, func(k, _ int) float32 { return float32(k)/2 - 1 })
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := WriteGrid(path, images, 3, 2, 1); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() != 3*6+2 || b.Dy() != 2*6+2 {
		t.Fatalf("grid is %d×%d, want 20×14", b.Dx(), b.Dy())
	}
	if _, ok := img.(*image.Gray); !ok {
		t.Errorf("one channel gave a %T, want *image.Gray", img)
	}
	gray := func(x, y int) uint8 { return color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y }
	wantByte := []uint8{0, 64, 128, 191, 255} // (v+1)·127.5 rounded
	for k, want := range wantByte {
		x0, y0 := 2+(k%3)*6, 2+(k/3)*6
		if got := gray(x0, y0); got != want {
			t.Errorf("image %d top-left pixel %d, want %d", k, got, want)
		}
		if got := gray(x0+3, y0+3); got != want {
			t.Errorf("image %d bottom-right pixel %d, want %d", k, got, want)
		}
	}
	for _, p := range []image.Point{{0, 0}, {6, 3}, {19, 13}, {15, 10}} { // borders, gaps, the empty sixth cell
		if got := gray(p.X, p.Y); got != 255 {
			t.Errorf("padding at %v is %d, want 255", p, got)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestGridRGB(t *testing.T) {
	// Channel ch of every image is 1 and the others -1: pure red, green, blue.
	images := filled(3, 3, 2, 2, func(k, ch int) float32 {
		if k == ch {
			return 1
		}
		return -1
	})
	img, err := GridImage(images, 8, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 6 || b.Dy() != 2 {
		t.Fatalf("grid is %v, want 6×2 (one row of three)", b)
	}
	want := []color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}}
	for k, w := range want {
		if got := color.NRGBAModel.Convert(img.At(2*k+1, 1)); got != w {
			t.Errorf("image %d is %v, want %v", k, got, w)
		}
	}
}

func TestGridClampsAndViews(t *testing.T) {
	data := []float32{-3, 3, float32(nan()), 0}
	big := tensor.New(tensor.WithShape(4, 1, 1, 1), tensor.WithBacking(data))
	img, err := GridImage(big, 4, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []uint8{0, 255, 0, 128} {
		if got := img.(*image.Gray).Pix[i]; got != want {
			t.Errorf("value %v became %d, want %d", data[i], got, want)
		}
	}
	view, err := big.Slice(tensor.S(1, 3))
	if err != nil {
		t.Fatal(err)
	}
	img, err = GridImage(view.(*tensor.Dense), 4, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g := img.(*image.Gray); g.Bounds().Dx() != 2 || g.Pix[0] != 255 || g.Pix[1] != 0 {
		t.Errorf("view of images 1..2 drew %v, want [255 0]", g.Pix)
	}
}

func nan() float64 { var z float64; return z / z }

func TestGridBadInput(t *testing.T) {
	tests := []struct {
		name   string
		images *tensor.Dense
		pad    int
		want   string
	}{
		{"nil", nil, 0, "no images"},
		{"3-D", tensor.New(tensor.WithShape(2, 4, 4), tensor.Of(tensor.Float32)), 0, "want (N, C, H, W)"},
		{"two channels", tensor.New(tensor.WithShape(1, 2, 4, 4), tensor.Of(tensor.Float32)), 0, "C 1 or 3"},
		{"float64", tensor.New(tensor.WithShape(1, 1, 4, 4), tensor.Of(tensor.Float64)), 0, "want float32"},
		{"negative padding", filled(1, 1, 2, 2, func(int, int) float32 { return 0 }), -1, "padding"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "g.png")
			err := WriteGrid(path, tc.images, 8, tc.pad, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and containing %q", err, path, tc.want)
			}
			if _, statErr := os.Stat(path); statErr == nil {
				t.Error("a grid was written despite the error")
			}
		})
	}
}

func TestWritePNGs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "samples")
	images := filled(3, 1, 2, 3, func(k, _ int) float32 { return float32(k) - 1 })
	if err := WritePNGs(dir, "img_", images); err != nil {
		t.Fatal(err)
	}
	for k, want := range []uint8{0, 128, 255} {
		img := readPNG(t, filepath.Join(dir, []string{"img_000000.png", "img_000001.png", "img_000002.png"}[k]))
		g := img.(*image.Gray)
		if g.Bounds().Dx() != 3 || g.Bounds().Dy() != 2 || g.Pix[0] != want {
			t.Errorf("image %d: %v with first pixel %d, want 3×2 and %d", k, g.Bounds(), g.Pix[0], want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("%d files written, want 3", len(entries))
	}
}

func TestWriteGIF(t *testing.T) {
	var frames []image.Image
	for k := 0; k < 3; k++ {
		img, err := GridImage(filled(4, 1, 3, 3, func(i, _ int) float32 { return float32(i+k)/4 - 0.5 }), 2, 1, -1)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, img)
	}
	rgb, _ := GridImage(filled(1, 3, 7, 7, func(_, ch int) float32 { return float32(ch) - 1 }), 1, 0, 0)
	dir := t.TempDir()
	path := filepath.Join(dir, "progress.gif")
	if err := WriteGIF(path, frames, 25); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	anim, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(anim.Image) != 3 || anim.Delay[2] != 25 {
		t.Fatalf("%d frames, delay %v; want 3 of 25", len(anim.Image), anim.Delay)
	}
	for k, fr := range anim.Image {
		want := frames[k].(*image.Gray)
		for i := range want.Pix {
			if got := color.GrayModel.Convert(fr.At(i%want.Stride, i/want.Stride)).(color.Gray).Y; got != want.Pix[i] {
				t.Fatalf("frame %d pixel %d is %d, want %d: gray must survive exactly", k, i, got, want.Pix[i])
			}
		}
	}
	if err := WriteGIF(filepath.Join(dir, "rgb.gif"), []image.Image{rgb, rgb}, 10); err != nil {
		t.Errorf("colour frames: %v", err)
	}
	if err := WriteGIF(filepath.Join(dir, "mixed.gif"), []image.Image{frames[0], rgb}, 10); err == nil ||
		!strings.Contains(err.Error(), "frame 1 is") {
		t.Errorf("frames of two sizes: %v", err)
	}
	if err := WriteGIF(filepath.Join(dir, "none.gif"), nil, 10); err == nil {
		t.Error("no frames accepted")
	}
}
