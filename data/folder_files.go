package data

// The files of an image folder: listing them within bounds, reading their headers and
// decoding them under the shared budget, and reporting those that could not be read.

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
