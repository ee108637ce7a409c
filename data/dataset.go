package data

import (
	"errors"
	"fmt"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gogan/internal/memlimit"
)

// ErrNotFound is wrapped by Open's error when a named dataset's files are nowhere it looked,
// as opposed to present but unreadable.
var ErrNotFound = errors.New("not found")

// Spec says which images Open loads and how.
type Spec struct {
	Name      string    // a Catalog name; ignored when Folder is set
	Folder    string    // a folder of images, searched recursively, instead of a named dataset
	Dir       string    // --data: the dataset's own folder, or one holding a <Name> folder
	Split     string    // "train" (the default) or "test"; named datasets only
	ImageSize int       // side of the square images; 0 keeps the native size (a folder's: its most common shorter side)
	SizeFrom  string    // what chose ImageSize, such as "dcgan28" or "--image-size", for the folder's report
	Sizes     []int     // with ImageSize 0, the sides a folder may be made (ascending); nil takes any
	Channels  int       // 1 or 3; 0 keeps the native count
	Warn      io.Writer // receives a folder's one-line report and warning about unreadable files; nil means os.Stderr
	// TooLarge is the advice given when a folder's images are too large or too many to load;
	// "" advises a smaller image size or a pack, which suits training but not every command.
	TooLarge string
}

// Dataset is a set of equally sized images held as uint8, with their labels if any.
type Dataset struct {
	Name    string  // human name, such as "MNIST train"
	Source  string  // the folder the files were read from
	Labels  []uint8 // one per image; nil for a folder without class subfolders
	Classes int     // number of label values; 0 without labels
	// ClassNames name the label values: a named dataset's classes, or a folder's class
	// subfolders, sorted; nil without labels.
	ClassNames []string
	// Unlabelled says why a folder has no labels (images outside class subfolders, say).
	Unlabelled string
	Skipped    int // files of a folder that could not be read

	pixels     []uint8  // (N, C, H, W)
	mapped     *mapping // a pack's mapped pixels; nil when they are on the heap
	n, c, h, w int
}

// Len is the number of images.
func (d *Dataset) Len() int { return d.n }

// Shape is the shape of one image: channels, height, width.
func (d *Dataset) Shape() (c, h, w int) { return d.c, d.h, d.w }

// Image returns image i as C×H×W bytes, channel planes outermost. It shares the dataset's
// memory and must not be modified.
func (d *Dataset) Image(i int) []uint8 {
	size := d.c * d.h * d.w
	return d.pixels[i*size : (i+1)*size : (i+1)*size]
}

// Open loads a named dataset or a folder of images.
func Open(spec Spec) (*Dataset, error) {
	if spec.Channels != 0 && spec.Channels != 1 && spec.Channels != 3 {
		return nil, fmt.Errorf("channels must be 1 or 3, not %d", spec.Channels)
	}
	if spec.ImageSize < 0 || spec.ImageSize > maxImageSize {
		return nil, fmt.Errorf("image size must be 0 (native) to %d, not %d", maxImageSize, spec.ImageSize)
	}
	if spec.Folder != "" && IsPack(spec.Folder) {
		return openPack(spec)
	}
	if spec.Folder != "" {
		return openFolder(spec)
	}
	if spec.Dir != "" {
		// A --data that names nothing must not fall through to the other places searched:
		// the run would train on other data than its configuration records.
		if st, err := os.Stat(spec.Dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("data folder %s does not exist or is not a folder", spec.Dir)
		}
	}
	switch spec.Split {
	case "":
		spec.Split = "train"
	case "train", "test":
	default:
		return nil, fmt.Errorf("split must be train or test, not %q", spec.Split)
	}
	src, err := lookup(spec.Name)
	if err != nil {
		return nil, fmt.Errorf("%w; or a folder of images", err)
	}
	dir, images, labels, err := locate(src, spec)
	if err != nil {
		return nil, err
	}
	ds, err := readIDXDataset(images, labels)
	if err != nil {
		return nil, err
	}
	ds.Name = src.Title + " " + spec.Split
	ds.Source = dir
	ds.Classes = src.Classes
	ds.ClassNames = src.Names()
	for i, l := range ds.Labels {
		if int(l) >= src.Classes {
			return nil, fmt.Errorf("read %s: label %d of image %d is outside 0..%d of %s",
				labels, l, i, src.Classes-1, src.Title)
		}
	}
	if src.Transposed {
		ds.transpose()
	}
	if err := ds.adapt(spec.ImageSize, spec.Channels); err != nil {
		return nil, err
	}
	return ds, nil
}

// maxDatasetBytes bounds the memory a dataset may take, so that a mistyped image size fails
// at once with a reason instead of exhausting memory.
const maxDatasetBytes = 32 << 30

// checkFits reports whether n images of c×size×size bytes stay within maxDatasetBytes.
// The memory this process may use bounds it further.
func checkFits(name string, n, c, size int, change string) error {
	need := int64(n) * int64(c) * int64(size) * int64(size)
	if need > maxDatasetBytes {
		return fmt.Errorf("%s: %d images of %d×%d×%d need %.1f GB, more than the %d GB allowed; %s",
			name, n, c, size, size, float64(need)/1e9, maxDatasetBytes>>30, change)
	}
	return memlimit.Check(float64(need), fmt.Sprintf("%s: %d images of %d×%d×%d", name, n, c, size, size), change)
}

// searchDirs lists, in order, the folders where a named dataset may be.
func searchDirs(src *Source, dir string) []string {
	var dirs []string
	if dir != "" {
		dirs = append(dirs, dir, filepath.Join(dir, src.Name))
	}
	if env := os.Getenv("GOGAN_DATA"); env != "" {
		dirs = append(dirs, filepath.Join(env, src.Name))
	}
	dirs = append(dirs, filepath.Join("data", src.Name))
	dirs = append(dirs, src.SystemDirs...)
	// --data and $GOGAN_DATA may name the same folder; list it once.
	var unique []string
	for _, d := range dirs {
		if !slices.Contains(unique, filepath.Clean(d)) {
			unique = append(unique, filepath.Clean(d))
		}
	}
	return unique
}

// locate finds the folder holding a split's image and label files.
func locate(src *Source, spec Spec) (dir, images, labels string, err error) {
	imgName, lblName := src.IDXFiles(spec.Split)
	dirs := searchDirs(src, spec.Dir)
	for _, d := range dirs {
		img, lbl := findFile(d, imgName), findFile(d, lblName)
		switch {
		case img != "" && lbl != "":
			return d, img, lbl, nil
		case img != "":
			return "", "", "", fmt.Errorf("%s has %s but not its labels %s", d, filepath.Base(img), lblName)
		case lbl != "":
			return "", "", "", fmt.Errorf("%s has %s but not its images %s", d, filepath.Base(lbl), imgName)
		}
	}
	where := strings.Join(dirs, ", ")
	if os.Getenv("GOGAN_DATA") == "" {
		where += " ($GOGAN_DATA is not set)"
	}
	how := "run 'gan download " + src.Name + "'"
	if src.Package != "" {
		how += " or 'apt-get install " + src.Package + "'"
	}
	return "", "", "", fmt.Errorf("%s %s split %w (%s) in %s; %s",
		src.Title, spec.Split, ErrNotFound, imgName, where, how)
}

// findFile returns the path of name in dir, also accepting it uncompressed and with the dot
// that the original MNIST files have inside ("t10k-images.idx3-ubyte"); "" if none exists.
func findFile(dir, name string) string {
	bare := strings.TrimSuffix(name, ".gz")
	dotted := strings.Replace(bare, "-idx", ".idx", 1)
	for _, n := range []string{name, bare, dotted, dotted + ".gz"} {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p // one that is not a regular file is refused, saying what it is, when read
		}
	}
	return ""
}

// readIDXDataset reads an image file and its label file and checks that they match.
func readIDXDataset(images, labels string) (*Dataset, error) {
	img, err := readIDXImages(images)
	if err != nil {
		return nil, err
	}
	lbl, err := readIDXLabels(labels)
	if err != nil {
		return nil, err
	}
	if img.Dims[0] != lbl.Dims[0] {
		return nil, fmt.Errorf("%s has %d images but %s has %d labels", images, img.Dims[0], labels, lbl.Dims[0])
	}
	if img.Dims[0] == 0 {
		return nil, fmt.Errorf("read %s: no images", images)
	}
	return &Dataset{pixels: img.Data, Labels: lbl.Data, n: img.Dims[0], c: 1, h: img.Dims[1], w: img.Dims[2]}, nil
}

// transpose swaps the rows and columns of every image, in place.
func (d *Dataset) transpose() {
	tmp := make([]uint8, d.h*d.w)
	for i := 0; i < d.n*d.c; i++ {
		plane := d.pixels[i*d.h*d.w : (i+1)*d.h*d.w]
		for y := 0; y < d.h; y++ {
			for x := 0; x < d.w; x++ {
				tmp[x*d.h+y] = plane[y*d.w+x]
			}
		}
		copy(plane, tmp)
	}
	d.h, d.w = d.w, d.h
}

// Stats summarises a dataset's pixels and labels.
type Stats struct {
	Mean, Std float64 // of all pixel values scaled to [0, 1]
	Histogram []int   // images per label value; nil without labels
}

// Stats computes the pixel mean and standard deviation and the label histogram.
func (d *Dataset) Stats() Stats {
	var counts [256]int64
	for _, p := range d.pixels {
		counts[p]++
	}
	var sum, sumSq float64
	for v, c := range counts {
		x := float64(v) / 255
		sum += float64(c) * x
		sumSq += float64(c) * x * x
	}
	total := float64(len(d.pixels))
	mean := sum / total
	st := Stats{Mean: mean, Std: math.Sqrt(math.Max(0, sumSq/total-mean*mean))}
	if d.Labels != nil {
		st.Histogram = make([]int, d.Classes)
		for _, l := range d.Labels {
			st.Histogram[l]++
		}
	}
	return st
}

// adapt resizes every image to size×size (on its shorter side, then centre-cropped; 0 keeps
// the size) and converts it to channels planes (0 keeps them).
func (d *Dataset) adapt(size, channels int) error {
	if channels == 0 {
		channels = d.c
	}
	h, w := d.h, d.w
	if size > 0 {
		h, w = size, size
	}
	if h == d.h && w == d.w && channels == d.c {
		return nil
	}
	if err := checkFits(d.Name, d.n, channels, max(h, w), "choose a smaller image size"); err != nil {
		return err
	}
	stride := channels * h * w
	out := make([]uint8, d.n*stride)
	parallel(d.n, func(i int) {
		dst := out[i*stride : (i+1)*stride]
		if h == d.h && w == d.w {
			convertPlanes(dst, channels, d.Image(i), d.c)
			return
		}
		writePlanes(fill(d.asImage(i), w, h), channels, dst)
	})
	d.pixels, d.c, d.h, d.w = out, channels, h, w
	return nil
}

// convertPlanes copies an image between gray (1 plane) and RGB (3 planes).
func convertPlanes(dst []uint8, dstC int, src []uint8, srcC int) {
	hw := len(src) / srcC
	switch {
	case dstC == srcC:
		copy(dst, src)
	case dstC == 3:
		copy(dst, src)
		copy(dst[hw:], src)
		copy(dst[2*hw:], src)
	default:
		for i := 0; i < hw; i++ {
			dst[i] = luminance(uint32(src[i]), uint32(src[hw+i]), uint32(src[2*hw+i]))
		}
	}
}

// asImage wraps image i as an image.Image for the resampler; a gray image shares the
// dataset's memory.
func (d *Dataset) asImage(i int) image.Image {
	px, r := d.Image(i), image.Rect(0, 0, d.w, d.h)
	if d.c == 1 {
		return &image.Gray{Pix: px, Stride: d.w, Rect: r}
	}
	img := image.NewNRGBA(r)
	hw := d.h * d.w
	for j := 0; j < hw; j++ {
		img.Pix[4*j], img.Pix[4*j+1], img.Pix[4*j+2], img.Pix[4*j+3] = px[j], px[hw+j], px[2*hw+j], 255
	}
	return img
}
