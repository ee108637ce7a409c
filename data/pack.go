package data

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// A pack is a folder of images decoded, resized and cropped once, so that training on it
// reads bytes instead of decoding files and need not hold the dataset in memory: it is
// memory-mapped, and the pages a batch has read are given back as training goes on.
//
// Layout (integers little-endian):
//
//	offset  size  field
//	0       8     magic "GOGANPAK"
//	8       4     version, 1
//	12      4     channels, 1 or 3
//	16      4     height
//	20      4     width (equal to height)
//	24      8     images n
//	32      4     classes k: 0 for an unlabelled folder, else 2 to 256
//	36      4     source length: bytes of the source folder's path
//	40      4     names length: bytes of the class names, joined by newlines
//	44      4     files of the folder that could not be read and were left out
//	48      32    fingerprint of the folder: SHA-256 of its files' names, sizes and times
//	80      4     CRC-32 (IEEE) of bytes 0 to 80
//	84      ...   zeros up to packPixels, so that the pixels start on a page
//	4096    n·c·h·w  the images, uint8, each (C, H, W)
//	        n     the labels, one byte per image, when k > 0
//	        ...   the source path, then the class names
//
// The file's length must be exactly what the header implies; it is checked before anything
// is allocated or mapped.
const (
	packMagic   = "GOGANPAK"
	packVersion = 1
	packHeader  = 84   // bytes of the fixed header, its CRC included
	packPixels  = 4096 // offset of the pixels
	maxPackPath = 4096
	maxPackName = 256 // bytes of one class name
)

// packMeta is a pack's fixed header.
type packMeta struct {
	c, h, w     int
	n           uint64
	classes     int
	pathLen     int
	namesLen    int
	skipped     int
	fingerprint [32]byte
}

func (m packMeta) pixelBytes() uint64 { return m.n * uint64(m.c*m.h*m.w) }

func (m packMeta) labelBytes() uint64 {
	if m.classes == 0 {
		return 0
	}
	return m.n
}

// fileSize is the length of the pack this header describes.
func (m packMeta) fileSize() uint64 {
	return packPixels + m.pixelBytes() + m.labelBytes() + uint64(m.pathLen+m.namesLen)
}

func (m packMeta) encode() []byte {
	b := make([]byte, packPixels)
	copy(b, packMagic)
	le := binary.LittleEndian
	le.PutUint32(b[8:], packVersion)
	le.PutUint32(b[12:], uint32(m.c))
	le.PutUint32(b[16:], uint32(m.h))
	le.PutUint32(b[20:], uint32(m.w))
	le.PutUint64(b[24:], m.n)
	le.PutUint32(b[32:], uint32(m.classes))
	le.PutUint32(b[36:], uint32(m.pathLen))
	le.PutUint32(b[40:], uint32(m.namesLen))
	le.PutUint32(b[44:], uint32(m.skipped))
	copy(b[48:80], m.fingerprint[:])
	le.PutUint32(b[80:], crc32.ChecksumIEEE(b[:80]))
	return b
}

// decodePackHeader checks a pack's fixed header against the file's length; every size is
// bounded before it is used.
func decodePackHeader(b []byte, size int64) (packMeta, error) {
	var m packMeta
	if len(b) < packHeader || string(b[:8]) != packMagic {
		return m, errors.New("not a gogan pack (no GOGANPAK header); make one with gan data pack")
	}
	le := binary.LittleEndian
	if v := le.Uint32(b[8:]); v != packVersion {
		return m, fmt.Errorf("pack version %d, but this gogan reads version %d; make the pack again with gan data pack", v, packVersion)
	}
	if got, want := le.Uint32(b[80:]), crc32.ChecksumIEEE(b[:80]); got != want {
		return m, fmt.Errorf("the pack's header is corrupt (checksum %08x, want %08x)", got, want)
	}
	c, h, w := le.Uint32(b[12:]), le.Uint32(b[16:]), le.Uint32(b[20:])
	k, pathLen, namesLen := le.Uint32(b[32:]), le.Uint32(b[36:]), le.Uint32(b[40:])
	switch {
	case c != 1 && c != 3:
		return m, fmt.Errorf("the pack's images have %d channels, not 1 or 3", c)
	case h != w || h < 1 || h > maxImageSize:
		return m, fmt.Errorf("the pack's images are %d×%d, not square of 1 to %d pixels", w, h, maxImageSize)
	case k == 1 || k > maxFolderClasses:
		return m, fmt.Errorf("the pack has %d classes, not 0 or 2 to %d", k, maxFolderClasses)
	case pathLen > maxPackPath || namesLen > maxFolderClasses*(maxPackName+1):
		return m, fmt.Errorf("the pack's source path (%d bytes) or class names (%d bytes) are implausibly long", pathLen, namesLen)
	}
	m = packMeta{c: int(c), h: int(h), w: int(w), n: le.Uint64(b[24:]), classes: int(k),
		pathLen: int(pathLen), namesLen: int(namesLen), skipped: int(le.Uint32(b[44:]))}
	copy(m.fingerprint[:], b[48:80])
	// n·c·h·w stays far below 2^64 for n below 2^40; the length check then bounds n by the file.
	if m.n < 1 || m.n > 1<<40 {
		return m, fmt.Errorf("the pack claims %d images", m.n)
	}
	if want := m.fileSize(); uint64(size) != want {
		return m, fmt.Errorf("the pack is %d bytes but its header describes %d images of %d×%d×%d in %d bytes (truncated or not a pack)",
			size, m.n, c, h, w, want)
	}
	return m, nil
}

// IsPack reports whether path is a regular file that starts like a pack.
func IsPack(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false
	}
	magic := make([]byte, len(packMagic))
	_, err = io.ReadFull(f, magic)
	return err == nil && string(magic) == packMagic
}

// openPack opens a pack as a dataset whose pixels are mapped from the file. A pack whose
// source folder has changed since it was made is still opened, with a warning.
func openPack(spec Spec) (*Dataset, error) {
	path := spec.Folder
	ds, meta, source, err := readPack(path)
	if err != nil {
		return nil, err
	}
	if spec.ImageSize != 0 && spec.ImageSize != ds.h || spec.Channels != 0 && spec.Channels != ds.c {
		ds.Close()
		return nil, fmt.Errorf("%s holds %d×%d images of %d channels, not the %d×%d of %d asked for; make a pack of that size with gan data pack --image-size",
			path, ds.h, ds.w, ds.c, spec.ImageSize, spec.ImageSize, spec.Channels)
	}
	warn := spec.Warn
	if warn == nil {
		warn = os.Stderr
	}
	checkSource(path, source, meta, warn)
	return ds, nil
}

// sourceCheckTime bounds the walk that tells whether a pack's folder has changed.
var sourceCheckTime = 10 * time.Second

// checkSource warns when the folder a pack was made from has changed since. The source path
// comes from the pack, which may name any folder, / included, so the walk is bounded twice:
// by the files the folder had when it was packed (its images and the files left out; one more
// and it has changed, so the walk stops there), which makes the check cost at most what making
// the pack cost; and by sourceCheckTime, for a pack that claims millions of tiny images. The
// check only warns: the pack's images are what was checked when it was opened.
func checkSource(path, source string, meta packMeta, warn io.Writer) {
	if st, err := os.Stat(source); err != nil || !st.IsDir() {
		return
	}
	limit := uint64(meta.skipped) + meta.n
	if limit > math.MaxInt32 {
		limit = math.MaxInt32
	}
	fp, err := folderFingerprintWithin(source, int(limit), time.Now().Add(sourceCheckTime))
	switch {
	case errors.Is(err, errWalkTimeout):
		fmt.Fprintf(warn, "warning: could not tell within %v whether %s has changed since %s was made from it; the pack is used as it is\n", sourceCheckTime, source, path)
	case errors.Is(err, errWalkTooMany) || err == nil && fp != meta.fingerprint:
		fmt.Fprintf(warn, "warning: %s has changed since %s was made from it; run gan data pack again to train on its files as they are now\n", source, path)
	}
}

// readPack opens and checks a pack and maps its images.
func readPack(path string) (*Dataset, packMeta, string, error) {
	fail := func(err error) (*Dataset, packMeta, string, error) {
		return nil, packMeta{}, "", fmt.Errorf("read pack %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	head := make([]byte, packHeader)
	if _, err := io.ReadFull(f, head); err != nil {
		return fail(errors.New("shorter than a pack's header (truncated or not a pack)"))
	}
	meta, err := decodePackHeader(head, st.Size())
	if err != nil {
		return fail(err)
	}
	tail := make([]byte, meta.labelBytes()+uint64(meta.pathLen+meta.namesLen))
	if _, err := f.ReadAt(tail, int64(packPixels+meta.pixelBytes())); err != nil {
		return fail(fmt.Errorf("read its labels: %w", err))
	}
	labels, rest := tail[:meta.labelBytes()], tail[meta.labelBytes():]
	source, names := string(rest[:meta.pathLen]), string(rest[meta.pathLen:])
	ds := &Dataset{Name: "pack " + path, Source: source, Skipped: meta.skipped, n: int(meta.n), c: meta.c, h: meta.h, w: meta.w}
	if meta.classes > 0 {
		ds.ClassNames = strings.Split(names, "\n")
		if len(ds.ClassNames) != meta.classes {
			return fail(fmt.Errorf("%d class names for %d classes", len(ds.ClassNames), meta.classes))
		}
		for i, l := range labels {
			if int(l) >= meta.classes {
				return fail(fmt.Errorf("label %d of image %d is outside 0..%d", l, i, meta.classes-1))
			}
		}
		ds.Labels, ds.Classes = bytes.Clone(labels), meta.classes
	} else {
		ds.Unlabelled = "its folder had no class subfolders when it was packed"
	}
	m, err := mapPixels(f, packPixels, int64(meta.pixelBytes()))
	if err != nil {
		return fail(err)
	}
	m.file, m.offset, m.opened, keep = f, packPixels, st, true
	ds.pixels, ds.mapped = m.pixels, m
	return ds, meta, source, nil
}

// mapping is a pack's pixels, mapped into memory for the odd image (grids, statistics), and
// its open file, from which batches read their images instead. Reading through the mapping at
// random would make most of the pack resident: a fault maps the neighbouring pages the page
// cache holds too, whole large folios on recent kernels, so that 64 random images made a 49 MB
// pack all resident on Linux 6.18. ReadAt copies only the image's bytes out of the page cache,
// which the system may reclaim and which is not this process's resident memory.
type mapping struct {
	pixels []uint8
	file   *os.File
	offset int64 // of the pixels in file
	unmap  func() error
	opened os.FileInfo // the file as it was checked, to tell when it has changed since
}

// readImage copies image i, of size bytes, into dst.
func (m *mapping) readImage(dst []uint8, i, size int) error {
	_, err := m.file.ReadAt(dst[:size], m.offset+int64(i)*int64(size))
	if errors.Is(err, io.EOF) {
		if changed := m.unchanged(); changed != nil {
			return changed
		}
	}
	return err
}

// unchanged reports a pack cut short, extended or rewritten in place since it was opened:
// its images are then not those that were checked, and a run would train on a mix. One
// fstat per batch costs far less than reading it. A pack replaced by a new file (as gan data
// pack does, atomically) is no change here: the open file still holds the old one.
func (m *mapping) unchanged() error {
	now, err := m.file.Stat()
	switch {
	case err != nil:
		return fmt.Errorf("check the pack: %w", err)
	case now.Size() != m.opened.Size():
		return fmt.Errorf("the pack is %d bytes now, %d when it was opened: it was cut short or changed while training read it; make it again with gan data pack", now.Size(), m.opened.Size())
	case !now.ModTime().Equal(m.opened.ModTime()):
		return fmt.Errorf("the pack was rewritten at %s, after it was opened: its images changed while training read them; make it again with gan data pack", now.ModTime().Format(time.DateTime))
	}
	return nil
}

// Close unmaps a pack's images; the dataset must not be used afterwards. It does nothing for
// other datasets.
func (d *Dataset) Close() error {
	if d.mapped == nil {
		return nil
	}
	err := d.mapped.unmap()
	if cerr := d.mapped.file.Close(); err == nil {
		err = cerr
	}
	d.mapped, d.pixels = nil, nil
	return err
}
