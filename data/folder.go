package data

import (
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/disintegration/imaging"
)

// warnNames is how many unreadable files the warning names before it only counts them.
const warnNames = 3

// resample is the filter for every resize: bilinear with antialiasing, as torchvision's
// default Resize, so that images match what PyTorch DCGAN setups train on.
var resample = imaging.Linear

// openFolder loads every readable PNG, JPEG, GIF, WebP and BMP under spec.Folder, each resized on its
// shorter side to spec.ImageSize and centre-cropped to a square.
func openFolder(spec Spec) (*Dataset, error) {
	root := spec.Folder
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("open image folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open image folder %s: not a directory", root)
	}
	paths, failed := listFiles(root)
	if len(paths) == 0 && len(failed) == 0 {
		return nil, fmt.Errorf("image folder %s has no files", root)
	}
	scan, err := scanHeaders(paths, spec.ImageSize)
	if err != nil {
		return nil, err
	}
	images, size := scan.images, scan.side
	failed = append(failed, scan.failed...)
	planes := spec.Channels
	if planes == 0 {
		planes = 3 // until every image turns out gray
	}
	if err := checkFits(root, len(images), planes, size); err != nil {
		return nil, err
	}
	ds := &Dataset{Name: "folder " + root, Source: root, c: planes, h: size, w: size}
	color, bad := ds.decodeAll(images)
	failed = append(failed, bad...)
	total := ds.n + len(failed)
	if ds.n == 0 {
		return nil, fmt.Errorf("no readable image in %s: %d of %d files unreadable: %s",
			root, len(failed), total, describeFailures(failed))
	}
	warn := spec.Warn
	if warn == nil {
		warn = os.Stderr
	}
	if len(failed) > 0 {
		fmt.Fprintf(warn, "warning: %d of %d files in %s could not be read and are left out: %s\n",
			len(failed), total, root, describeFailures(failed))
	}
	ds.Skipped = len(failed)
	ds.labelByFolder(root, images, bad)
	anyColor := color > 0
	if spec.Channels == 0 && !anyColor {
		ds.keepFirstPlane()
	}
	if report := describeFolder(spec, ds, scan, color); report != "" {
		fmt.Fprintln(warn, report)
	}
	return ds, nil
}

// describeFolder is the one line that says how a folder's images were made into a dataset
// when they were changed: the size and why, and how many were resized and cropped or changed
// between grey and colour. It is "" for a folder taken as it is.
func describeFolder(spec Spec, ds *Dataset, scan folderScan, color int) string {
	grey := ds.n - color
	mixed := ds.c == 3 && color > 0 && grey > 0 || ds.c == 1 && color > 0
	large := spec.ImageSize == 0 && ds.h > 64
	if scan.resized == 0 && !mixed && !large {
		return ""
	}
	from := spec.SizeFrom
	switch {
	case from != "":
	case spec.ImageSize > 0:
		from = "the size asked for"
	default:
		from = fmt.Sprintf("the most common size, %d of %d", scan.commonCount, len(scan.images))
	}
	msg := fmt.Sprintf("%s: %s at %d×%d (%s)", spec.Folder, count(ds.n, "image"), ds.h, ds.w, from)
	if scan.resized > 0 {
		msg += fmt.Sprintf("; %d of other sizes resized on their shorter side and centre-cropped", scan.resized)
	}
	switch {
	case ds.c == 3 && mixed:
		msg += fmt.Sprintf("; %s made RGB", count(grey, "grey image"))
	case ds.c == 1 && mixed:
		msg += fmt.Sprintf("; %s made grey", count(color, "colour image"))
	}
	if large {
		msg += "; to train on images this large give --arch dcgan64 or --image-size 64"
	}
	return msg
}

// count writes n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// folderScan is what the headers of a folder's files tell: the files that look like images,
// the side to make them, how many already have it, how many need resizing, and the failures.
type folderScan struct {
	images      []string
	side        int
	commonCount int
	resized     int
	failed      []fileError
}

// scanHeaders reads only the images' headers, so that memory is then set aside for images
// alone. The side to make them is size or, when that is 0, the most common shorter side among
// them (the smaller of equally common ones): one odd first file does not decide it.
func scanHeaders(paths []string, size int) (folderScan, error) {
	sizes := make([]image.Point, len(paths))
	errs := make([]error, len(paths))
	parallel(len(paths), func(i int) { sizes[i], errs[i] = imageSize(paths[i]) })
	var scan folderScan
	counts := map[int]int{}
	for i, p := range paths {
		if errs[i] != nil {
			scan.failed = append(scan.failed, fileError{p, describeDecodeError(errs[i])})
			continue
		}
		scan.images = append(scan.images, p)
		counts[min(sizes[i].X, sizes[i].Y)]++
	}
	if size == 0 {
		for side, n := range counts {
			if n > scan.commonCount || n == scan.commonCount && side < size {
				size, scan.commonCount = side, n
			}
		}
		if size > maxImageSize {
			return scan, fmt.Errorf("the images are mostly %d pixels on their shorter side; give an image size of at most %d",
				size, maxImageSize)
		}
	}
	for i := range paths {
		if errs[i] == nil && (sizes[i].X != size || sizes[i].Y != size) {
			scan.resized++
		}
	}
	scan.side = size
	return scan, nil
}

// decodeAll decodes the images into the dataset at its size and channel count, in order,
// leaving out those that fail; it counts the images that have colour.
func (d *Dataset) decodeAll(paths []string) (colored int, failed []fileError) {
	stride := d.c * d.h * d.w
	pixels := make([]uint8, len(paths)*stride)
	errs := make([]error, len(paths))
	color := make([]bool, len(paths))
	parallel(len(paths), func(i int) {
		img, err := decodeImage(paths[i])
		if err != nil {
			errs[i] = describeDecodeError(err)
			return
		}
		fit := imaging.Fill(img, d.w, d.h, imaging.Center, resample)
		color[i] = writePlanes(fit, d.c, pixels[i*stride:(i+1)*stride])
	})
	// Close the gaps the failures left, keeping the order of the walk.
	n := 0
	for i := range paths {
		if errs[i] != nil {
			failed = append(failed, fileError{paths[i], errs[i]})
			continue
		}
		copy(pixels[n*stride:(n+1)*stride], pixels[i*stride:(i+1)*stride])
		if color[i] {
			colored++
		}
		n++
	}
	d.pixels, d.n = pixels[:n*stride], n
	return colored, failed
}

// fileError is a file that could not be read, and why.
type fileError struct {
	path string
	err  error
}

// listFiles walks root in lexical order and returns its regular files, and links to them,
// leaving out hidden files and folders; folders it cannot list come back as failures.
func listFiles(root string) (paths []string, failed []fileError) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			failed = append(failed, fileError{path, err})
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case d.Type().IsRegular():
			paths = append(paths, path)
		case d.Type()&fs.ModeSymlink != 0:
			// Only a link to a regular file is opened: a FIFO or a device would block the read.
			if st, err := os.Stat(path); err != nil {
				failed = append(failed, fileError{path, describeDecodeError(err)})
			} else if !st.Mode().IsRegular() {
				failed = append(failed, fileError{path, fmt.Errorf("links to a %s, not a regular file", fileKind(st.Mode()))})
			} else {
				paths = append(paths, path)
			}
		}
		return nil
	})
	return paths, failed
}

// fileKind names what a file that is not regular is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "folder"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

// maxPixels bounds the images a folder may hold: a header is cheap to forge, and decoding
// would allocate four bytes per pixel it claims.
const maxPixels = 50_000_000

// maxImageSize bounds the side of the square images a dataset is made of.
const maxImageSize = 4096

// imageSize reads an image's header and checks that its size is plausible.
func imageSize(path string) (image.Point, error) {
	f, err := os.Open(path)
	if err != nil {
		return image.Point{}, err
	}
	defer f.Close()
	return checkHeader(f)
}

func checkHeader(r io.Reader) (image.Point, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return image.Point{}, err
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return image.Point{}, fmt.Errorf("%d×%d pixels, outside the 1 to %d million accepted",
			cfg.Width, cfg.Height, maxPixels/1_000_000)
	}
	return image.Pt(cfg.Width, cfg.Height), nil
}

// decodeImage decodes a PNG, WebP, BMP, JPEG (turned upright by its EXIF orientation) or GIF (its first
// frame), checking its header again since the file may have changed since the first pass.
func decodeImage(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := checkHeader(f); err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return imaging.Decode(f, imaging.AutoOrientation(true))
}

// parallel runs f(0..n-1) on as many goroutines as there are processors.
func parallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// writePlanes stores img as planes channel planes (1: luminance, 3: R, G, B), composited
// over black, and reports whether it has colour.
func writePlanes(img *image.NRGBA, planes int, dst []uint8) (color bool) {
	hw := img.Rect.Dx() * img.Rect.Dy()
	for i := 0; i < hw; i++ {
		px := img.Pix[4*i : 4*i+4 : 4*i+4]
		a := uint32(px[3])
		r, g, b := uint32(px[0])*a/255, uint32(px[1])*a/255, uint32(px[2])*a/255
		color = color || r != g || g != b
		if planes == 1 {
			dst[i] = luminance(r, g, b)
			continue
		}
		dst[i], dst[hw+i], dst[2*hw+i] = uint8(r), uint8(g), uint8(b)
	}
	return color
}

// luminance uses the ITU-R 601 weights, as imaging.Grayscale and PIL's "L" mode do.
func luminance(r, g, b uint32) uint8 {
	return uint8((299*r + 587*g + 114*b + 500) / 1000)
}

// keepFirstPlane turns a dataset of gray RGB images (three equal planes) into one plane.
func (d *Dataset) keepFirstPlane() {
	hw := d.h * d.w
	for i := 0; i < d.n; i++ {
		copy(d.pixels[i*hw:(i+1)*hw], d.pixels[i*d.c*hw:i*d.c*hw+hw])
	}
	d.pixels = d.pixels[:d.n*hw]
	d.c = 1
}

// describeDecodeError replaces the decoder's wording for files that are no image at all.
func describeDecodeError(err error) error {
	if errors.Is(err, image.ErrFormat) {
		return errors.New("not a PNG, JPEG, GIF, WebP or BMP image")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("image data is cut short")
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err // the file is named beside the error already
	}
	return err
}

// describeFailures names the first few unreadable files and counts the rest.
func describeFailures(failed []fileError) string {
	var parts []string
	for i, f := range failed {
		if i == warnNames {
			parts = append(parts, fmt.Sprintf("and %d more", len(failed)-warnNames))
			break
		}
		parts = append(parts, fmt.Sprintf("%s (%v)", f.path, f.err))
	}
	return strings.Join(parts, ", ")
}
