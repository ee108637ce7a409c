package data

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gogan/internal/atomicfile"
)

// PackSpec says which folder WritePack packs, how, and where.
type PackSpec struct {
	Folder    string
	Out       string    // the pack to write
	ImageSize int       // side of the square images
	Channels  int       // 1 or 3; 0 means 3
	Warn      io.Writer // receives the warning about unreadable files; nil means os.Stderr
}

// PackResult says what WritePack did.
type PackResult struct {
	Images, Skipped, Classes int
	UpToDate                 bool // the pack was already made from the folder as it is, and left alone
}

// packChunk is how many images are decoded at a time: the writer holds only these.
const packChunk = 256

// WritePack decodes the images of a folder, resizes them on their shorter side and crops the
// centre, as a folder is opened for training, and writes them with their class labels to a
// pack (see pack.go for the format), atomically. A pack at spec.Out made from the folder as it
// is now, at the same size, is left alone; any other file there is not overwritten.
func WritePack(spec PackSpec) (PackResult, error) {
	var res PackResult
	if spec.Channels == 0 {
		spec.Channels = 3
	}
	if err := checkPackSpec(spec); err != nil {
		return res, err
	}
	fp, err := folderFingerprint(spec.Folder)
	if err != nil {
		return res, err
	}
	if old, meta, _, err := readPack(spec.Out); err == nil {
		old.Close()
		if meta.fingerprint == fp && meta.h == spec.ImageSize && meta.c == spec.Channels {
			return PackResult{Images: int(meta.n), Skipped: meta.skipped, Classes: meta.classes, UpToDate: true}, nil
		}
	} else if _, statErr := os.Stat(spec.Out); statErr == nil && !IsPack(spec.Out) {
		return res, fmt.Errorf("%s exists and is not a pack; it is left alone (give another --out)", spec.Out)
	}
	paths, failed := listFiles(spec.Folder)
	scan, err := scanHeaders(paths, spec.ImageSize, nil)
	if err != nil {
		return res, err
	}
	failed = append(failed, scan.failed...)
	if len(scan.images) == 0 {
		return res, fmt.Errorf("no image in %s (%d unreadable files)", spec.Folder, len(failed))
	}
	err = atomicfile.Write(spec.Out, 0o644, func(w io.Writer) error {
		f, ok := w.(io.WriteSeeker)
		if !ok {
			return errors.New("the temporary file cannot seek")
		}
		meta, err := writePackBody(f, spec, scan.images, &failed)
		if err != nil {
			return err
		}
		meta.fingerprint = fp
		res = PackResult{Images: int(meta.n), Skipped: meta.skipped, Classes: meta.classes}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		_, err = f.Write(meta.encode())
		return err
	})
	if err == nil && len(failed) > 0 {
		warn := spec.Warn
		if warn == nil {
			warn = os.Stderr
		}
		fmt.Fprintf(warn, "warning: %d files in %s could not be read and are left out: %s\n", len(failed), spec.Folder, describeFailures(failed))
	}
	return res, err
}

// checkPackSpec refuses a pack that could not be made, before anything is read or written.
func checkPackSpec(spec PackSpec) error {
	switch {
	case spec.ImageSize < 1 || spec.ImageSize > maxImageSize:
		return fmt.Errorf("a pack needs an image size of 1 to %d, not %d", maxImageSize, spec.ImageSize)
	case spec.Channels != 1 && spec.Channels != 3:
		return fmt.Errorf("channels must be 1 or 3, not %d", spec.Channels)
	}
	if st, err := os.Stat(spec.Folder); err != nil || !st.IsDir() {
		return fmt.Errorf("%s is not a folder of images", spec.Folder)
	}
	abs, err1 := filepath.Abs(spec.Folder)
	out, err2 := filepath.Abs(spec.Out)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("resolve %s and %s", spec.Folder, spec.Out)
	}
	if out == abs || strings.HasPrefix(out, abs+string(filepath.Separator)) {
		return fmt.Errorf("the pack %s would lie inside the folder it packs; write it beside the folder", spec.Out)
	}
	if st, err := os.Stat(filepath.Dir(out)); err != nil || !st.IsDir() {
		return fmt.Errorf("the folder of %s does not exist", spec.Out)
	}
	return nil
}

// writePackBody writes the pixels from packPixels on, then the labels, source and class
// names, decoding packChunk images at a time; the images that fail are added to failed.
func writePackBody(f io.WriteSeeker, spec PackSpec, images []string, failed *[]fileError) (packMeta, error) {
	meta := packMeta{c: spec.Channels, h: spec.ImageSize, w: spec.ImageSize}
	if _, err := f.Seek(packPixels, io.SeekStart); err != nil {
		return meta, err
	}
	stride := meta.c * meta.h * meta.w
	chunk := &Dataset{c: meta.c, h: meta.h, w: meta.w}
	var kept []string
	for lo := 0; lo < len(images); lo += packChunk {
		part := images[lo:min(lo+packChunk, len(images))]
		_, bad := chunk.decodeAll(part)
		*failed = append(*failed, bad...)
		if _, err := f.Write(chunk.pixels[:chunk.n*stride]); err != nil {
			return meta, err
		}
		skip := map[string]bool{}
		for _, b := range bad {
			skip[b.path] = true
		}
		for _, p := range part {
			if !skip[p] {
				kept = append(kept, p)
			}
		}
	}
	if len(kept) == 0 {
		return meta, fmt.Errorf("no readable image in %s: %s", spec.Folder, describeFailures(*failed))
	}
	meta.n, meta.skipped = uint64(len(kept)), len(*failed)
	labelled := &Dataset{n: len(kept)}
	labelled.labelByFolder(spec.Folder, kept, nil)
	source, err := filepath.Abs(spec.Folder)
	if err != nil {
		return meta, err
	}
	names := strings.Join(labelled.ClassNames, "\n")
	meta.classes, meta.pathLen, meta.namesLen = labelled.Classes, len(source), len(names)
	if meta.pathLen > maxPackPath {
		return meta, fmt.Errorf("the folder's path is longer than the %d bytes a pack records", maxPackPath)
	}
	tail := append(append(append([]byte{}, labelled.Labels...), source...), names...)
	_, err = f.Write(tail)
	return meta, err
}

// folderFingerprint hashes the names, sizes and modification times of a folder's files, as
// listed for packing: any file added, removed, renamed or rewritten changes it.
func folderFingerprint(root string) ([32]byte, error) {
	return folderFingerprintWithin(root, -1, time.Time{})
}

// folderFingerprintWithin is folderFingerprint that gives up past limit
// files or past deadline (see listFilesWithin).
func folderFingerprintWithin(root string, limit int, deadline time.Time) ([32]byte, error) {
	paths, failed, err := listFilesWithin(root, limit, deadline)
	if err != nil {
		return [32]byte{}, err
	}
	if len(failed) > 0 && len(paths) == 0 {
		return [32]byte{}, fmt.Errorf("list %s: %v", root, failed[0].err)
	}
	h := sha256.New()
	var num [16]byte
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			continue // gone since the walk: the hash differs from a folder that has it
		}
		rel, _ := filepath.Rel(root, p)
		io.WriteString(h, filepath.ToSlash(rel))
		binary.LittleEndian.PutUint64(num[:8], uint64(st.Size()))
		binary.LittleEndian.PutUint64(num[8:], uint64(st.ModTime().UnixNano()))
		h.Write([]byte{0})
		h.Write(num[:])
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
