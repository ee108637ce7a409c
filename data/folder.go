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
	"time"

	"github.com/disintegration/imaging"

	"gogan/internal/plainfile"
)

// warnNames is how many unreadable files the warning names before it only counts them.
const warnNames = 3

// fill resizes img on its shorter side to cover w×h and crops the centre. The filter is a box
// (an average of the source pixels each output pixel covers) when shrinking at least twofold,
// as photos made into training images mostly are: every source pixel then counts equally, so
// fine detail averages out instead of aliasing, nothing rings, and it is the cheapest filter
// per source pixel, which is what packing a large folder costs. For milder changes and
// enlargements it is Lanczos (a = 3), the sharpest of imaging's filters, where a box would
// blur or block.
func fill(img image.Image, w, h int) *image.NRGBA {
	b := img.Bounds()
	filter := imaging.Lanczos
	if min(b.Dx(), b.Dy()) >= 2*max(w, h) {
		filter = imaging.Box
	}
	return imaging.Fill(img, w, h, imaging.Center, filter)
}

// openFolder loads every readable PNG, JPEG, GIF, WebP and BMP under spec.Folder, each resized on its
// shorter side to spec.ImageSize and centre-cropped to a square.
func openFolder(spec Spec) (*Dataset, error) {
	root := spec.Folder
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("open image folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is neither a folder of images nor a gogan pack (no GOGANPAK header); make a pack with gan data pack", root)
	}
	paths, failed := listFiles(root)
	if len(paths) == 0 && len(failed) == 0 {
		return nil, fmt.Errorf("image folder %s has no files", root)
	}
	scan, err := scanHeaders(paths, spec.ImageSize, spec.Sizes)
	if err != nil {
		if spec.TooLarge != "" && errors.Is(err, errSideTooLarge) {
			return nil, fmt.Errorf("%s: %w; %s", root, err, spec.TooLarge)
		}
		if errors.Is(err, errSideTooLarge) {
			return nil, fmt.Errorf("%w; give an image size of at most %d", err, maxImageSize)
		}
		return nil, err
	}
	images, size := scan.images, scan.side
	failed = append(failed, scan.failed...)
	planes := spec.Channels
	if planes == 0 {
		planes = 3 // until every image turns out gray
	}
	if spec.TooLarge != "" {
		if err := checkFits(root, len(images), planes, size, spec.TooLarge); err != nil {
			return nil, err
		}
	}
	if err := checkFits(root, len(images), planes, size, "choose a smaller image size"); err != nil {
		// A pack is read from disk batch by batch, so it trains where the folder cannot.
		return nil, fmt.Errorf("%w, or make the folder a pack once with gan data pack --image-size %d %s and train from the pack, which stays on disk", err, size, root)
	}
	ds := &Dataset{Name: "folder " + root, Source: root, c: planes, h: size, w: size}
	color, bad := ds.decodeAll(images)
	failed = append(failed, bad...)
	scan.leaveOut(bad)
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
// when they were changed: the size and why, how many were resized and cropped from which
// size, and how many were changed between grey and colour. It is "" for a folder taken as it
// is.
func describeFolder(spec Spec, ds *Dataset, scan folderScan, color int) string {
	grey := ds.n - color
	mixed := ds.c == 3 && color > 0 && grey > 0 || ds.c == 1 && color > 0
	if scan.resized == 0 && !mixed {
		return ""
	}
	from := spec.SizeFrom
	switch {
	case from != "":
	case spec.ImageSize > 0:
		from = "the size asked for"
	case scan.side == scan.commonSide:
		from = fmt.Sprintf("their most common shorter side, %d of %d images", scan.commonCount, len(scan.images))
	default:
		from = fmt.Sprintf("the largest trainable size not above their most common shorter side, %d", scan.commonSide)
	}
	msg := fmt.Sprintf("%s: %s at %d×%d (%s)", spec.Folder, count(ds.n, "image"), ds.h, ds.w, from)
	if scan.resized > 0 {
		msg += fmt.Sprintf("; %d of %d resized on their shorter side (most were %d×%d) and centre-cropped",
			scan.resized, ds.n, scan.commonDims.X, scan.commonDims.Y)
	}
	switch {
	case ds.c == 3 && mixed:
		msg += fmt.Sprintf("; %s made RGB", count(grey, "grey image"))
	case ds.c == 1 && mixed:
		msg += fmt.Sprintf("; %s made grey", count(color, "colour image"))
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
// the side to make them, the most common shorter side and how many have it, the most common
// width and height, how many need resizing, and the failures.
type folderScan struct {
	images      []string
	side        int
	commonSide  int
	commonCount int
	commonDims  image.Point
	resized     int
	failed      []fileError
	resizing    map[string]bool // the images whose header says they are resized
}

// leaveOut takes images that failed to decode out of the resized count: they are unreadable,
// not resized.
func (s *folderScan) leaveOut(bad []fileError) {
	for _, f := range bad {
		if s.resizing[f.path] {
			s.resized--
		}
	}
}

// scanHeaders reads only the images' headers, so that memory is then set aside for images
// alone. The side to make them is size or, when that is 0, the most common shorter side among
// them (the smaller of equally common ones): one odd first file does not decide it. Given
// sides (ascending), that side is lowered to the largest of them not above it, or raised to
// the smallest.
func scanHeaders(paths []string, size int, sides []int) (folderScan, error) {
	sizes := make([]image.Point, len(paths))
	errs := make([]error, len(paths))
	parallel(len(paths), func(i int) { sizes[i], errs[i] = imageSize(paths[i]) })
	var scan folderScan
	counts, dims := map[int]int{}, map[image.Point]int{}
	for i, p := range paths {
		if errs[i] != nil {
			scan.failed = append(scan.failed, fileError{p, describeDecodeError(errs[i])})
			continue
		}
		scan.images = append(scan.images, p)
		counts[min(sizes[i].X, sizes[i].Y)]++
		dims[sizes[i]]++
	}
	scan.commonDims = mostCommon(dims)
	if size == 0 {
		for side, n := range counts {
			if n > scan.commonCount || n == scan.commonCount && side < size {
				size, scan.commonCount = side, n
			}
		}
		scan.commonSide = size
		size = nearestSide(size, sides)
		if size > maxImageSize {
			return scan, fmt.Errorf("the images are mostly %d pixels on their shorter side, %w (%d)", size, errSideTooLarge, maxImageSize)
		}
	}
	scan.resizing = map[string]bool{}
	for i := range paths {
		if errs[i] == nil && (sizes[i].X != size || sizes[i].Y != size) {
			scan.resized++
			scan.resizing[paths[i]] = true
		}
	}
	scan.side = size
	return scan, nil
}

// mostCommon is the most common size among counts; of equally common ones, the smallest in
// area and then width, so that the choice does not depend on map order.
func mostCommon(counts map[image.Point]int) image.Point {
	var best image.Point
	bestN := 0
	for p, n := range counts {
		a, b := p.X*p.Y, best.X*best.Y
		if n > bestN || n == bestN && (a < b || a == b && p.X < best.X) {
			best, bestN = p, n
		}
	}
	return best
}

// nearestSide is the largest of sides (ascending) not above side, or the smallest when all
// are above it; side itself without sides.
func nearestSide(side int, sides []int) int {
	if len(sides) == 0 {
		return side
	}
	best := sides[0]
	for _, s := range sides {
		if s <= side {
			best = s
		}
	}
	return best
}

// decodeAll decodes the images into the dataset at its size and channel count, in order,
// leaving out those that fail; it counts the images that have colour.
func (d *Dataset) decodeAll(paths []string) (colored int, failed []fileError) {
	stride := d.c * d.h * d.w
	pixels := make([]uint8, len(paths)*stride)
	errs := make([]error, len(paths))
	color := make([]bool, len(paths))
	budget := newDecodeBudget()
	parallel(len(paths), func(i int) {
		img, share, err := decodeImage(paths[i], budget)
		if err != nil {
			errs[i] = describeDecodeError(err)
			return
		}
		defer budget.release(share)
		fit := fill(img, d.w, d.h)
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
	paths, failed, _ = listFilesWithin(root, -1, time.Time{})
	return paths, failed
}

// A bounded walk stops with one of these: it found more files than it was given, or ran
// past its time.
var (
	errWalkTooMany = errors.New("more files than the limit")
	errWalkTimeout = errors.New("out of time")
)

// listFilesWithin is listFiles that stops, returning errWalkTooMany, once it has found more
// than limit files (when limit >= 0), or errWalkTimeout once deadline has passed (when it is
// not zero).
func listFilesWithin(root string, limit int, deadline time.Time) (paths []string, failed []fileError, err error) {
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if limit >= 0 && len(paths) > limit {
			return errWalkTooMany
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return errWalkTimeout
		}
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
				failed = append(failed, fileError{path, fmt.Errorf("links to %s, not a regular file", plainfile.Kind(st.Mode()))})
			} else {
				paths = append(paths, path)
			}
		}
		return nil
	})
	return paths, failed, err
}

// maxPixels bounds the images a folder may hold: a header is cheap to forge, and decoding
// would allocate four bytes per pixel it claims.
const maxPixels = 50_000_000

// errSideTooLarge says that a folder's native size is above maxImageSize.
var errSideTooLarge = errors.New("more than a dataset's images may have")

// maxImageSize bounds the side of the square images a dataset is made of.
const maxImageSize = 4096

// imageSize reads an image's header and checks that its size is plausible.
func imageSize(path string) (image.Point, error) {
	f, err := plainfile.Open(path)
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
// It first takes the image's share of budget, which the caller releases once done with the
// image (on an error there is nothing to release).
func decodeImage(path string, budget *decodeBudget) (image.Image, float64, error) {
	f, err := plainfile.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	px, err := checkHeader(f)
	if err != nil {
		return nil, 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, err
	}
	share, err := budget.acquire(px)
	if err != nil {
		return nil, 0, err
	}
	img, err := imaging.Decode(f, imaging.AutoOrientation(true))
	if err != nil {
		budget.release(share)
		return nil, 0, err
	}
	return img, share, nil
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
