package data

import (
	"errors"
	"fmt"
	"image"
	"os"

	"github.com/disintegration/imaging"
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
