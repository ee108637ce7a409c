package data

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeClassFolder makes a folder of two classes of coloured 40×30 images, one unreadable file.
func writeClassFolder(t *testing.T) string {
	dir := t.TempDir()
	for i := 0; i < 6; i++ {
		class := []string{"cats", "dogs"}[i%2]
		writeImage(t, filepath.Join(dir, class, string(rune('a'+i))+".png"), solid(40, 30, color.NRGBA{uint8(40 * i), 200, uint8(255 - 30*i), 255}))
	}
	os.WriteFile(filepath.Join(dir, "cats", "broken.png"), []byte("not a png"), 0o644)
	return dir
}

// A pack holds what opening the folder at its size gives: the same pixels, labels and class
// names, and the unreadable file counted.
func TestPackRoundTrip(t *testing.T) {
	dir := writeClassFolder(t)
	out := filepath.Join(t.TempDir(), "p.pack")
	var warn bytes.Buffer
	res, err := WritePack(PackSpec{Folder: dir, Out: out, ImageSize: 16, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	if res.Images != 6 || res.Skipped != 1 || res.Classes != 2 || !strings.Contains(warn.String(), "broken.png") {
		t.Errorf("packed %+v, warning %q; want 6 images, 1 skipped, 2 classes, broken.png named", res, warn.String())
	}
	want, err := Open(Spec{Folder: dir, ImageSize: 16, Channels: 3, Warn: &bytes.Buffer{}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Open(Spec{Folder: out, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.Len() != want.Len() || !bytes.Equal(got.pixels, want.pixels) || !bytes.Equal(got.Labels, want.Labels) {
		t.Fatalf("the pack's %d images or labels %v differ from the folder's %d, %v", got.Len(), got.Labels, want.Len(), want.Labels)
	}
	if strings.Join(got.ClassNames, ",") != "cats,dogs" || got.Skipped != 1 {
		t.Errorf("class names %q, skipped %d; want cats,dogs and 1", got.ClassNames, got.Skipped)
	}
	if _, err := Open(Spec{Folder: out, ImageSize: 32}); err == nil || !strings.Contains(err.Error(), "gan data pack --image-size") {
		t.Errorf("a pack opened at another size: %v", err)
	}
}

// A pack made from the folder as it is is left alone; a changed folder is packed again, and
// opening a pack of a folder that changed since says so.
func TestPackDetectsAChangedFolder(t *testing.T) {
	dir := writeClassFolder(t)
	out := filepath.Join(t.TempDir(), "p.pack")
	spec := PackSpec{Folder: dir, Out: out, ImageSize: 8, Warn: &bytes.Buffer{}}
	if _, err := WritePack(spec); err != nil {
		t.Fatal(err)
	}
	if res, err := WritePack(spec); err != nil || !res.UpToDate {
		t.Fatalf("packing an unchanged folder again: %+v, %v; want up to date", res, err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "dogs", "b.png"), later, later); err != nil {
		t.Fatal(err)
	}
	var warn bytes.Buffer
	ds, err := Open(Spec{Folder: out, Warn: &warn})
	if err != nil {
		t.Fatal(err)
	}
	ds.Close()
	if !strings.Contains(warn.String(), "has changed since") {
		t.Errorf("opening the pack of a changed folder warned %q", warn.String())
	}
	if res, err := WritePack(spec); err != nil || res.UpToDate {
		t.Errorf("packing a changed folder: %+v, %v; want it packed again", res, err)
	}
}

// gan data pack never overwrites a file that is not a pack, nor writes inside its folder.
func TestPackLeavesOtherFilesAlone(t *testing.T) {
	dir := writeClassFolder(t)
	other := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(other, []byte("mine"), 0o644)
	if _, err := WritePack(PackSpec{Folder: dir, Out: other, ImageSize: 8}); err == nil || !strings.Contains(err.Error(), "not a pack") {
		t.Errorf("packing over a text file: %v", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "mine" {
		t.Errorf("the text file now holds %q", b)
	}
	if _, err := WritePack(PackSpec{Folder: dir, Out: filepath.Join(dir, "p.pack"), ImageSize: 8}); err == nil || !strings.Contains(err.Error(), "inside the folder") {
		t.Errorf("packing into the folder itself: %v", err)
	}
}

// validPack is a small pack's bytes, for the hostile-pack tests and the fuzz corpus.
func validPack(t testing.TB) []byte {
	meta := packMeta{c: 1, h: 2, w: 2, n: 3, classes: 2, pathLen: 3, namesLen: 3}
	b := meta.encode()
	b = append(b, make([]byte, 12)...)
	b = append(b, 0, 1, 0)
	b = append(b, "/sra\nb"...)
	if uint64(len(b)) != meta.fileSize() {
		t.Fatalf("test pack of %d bytes, header says %d", len(b), meta.fileSize())
	}
	return b
}

// withHeader rewrites a header field and its checksum, as a forger would.
func withHeader(b []byte, edit func(h []byte)) []byte {
	b = bytes.Clone(b)
	edit(b)
	binary.LittleEndian.PutUint32(b[80:], crc32.ChecksumIEEE(b[:80]))
	return b
}

// Hostile packs are refused with one line naming the problem, before anything is allocated.
func TestHostilePacks(t *testing.T) {
	good := validPack(t)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"truncated", good[:len(good)-1], "truncated"},
		{"header cut", good[:40], "shorter than a pack's header"},
		{"wrong magic", append([]byte("GOGANPAX"), good[8:]...), "nor a gogan pack"},
		{"corrupt header", func() []byte { b := bytes.Clone(good); b[24]++; return b }(), "checksum"},
		{"more images than the file", withHeader(good, func(h []byte) { binary.LittleEndian.PutUint64(h[24:], 1<<39) }), "header describes"},
		{"huge side", withHeader(good, func(h []byte) {
			binary.LittleEndian.PutUint32(h[16:], 1<<30)
			binary.LittleEndian.PutUint32(h[20:], 1<<30)
		}), "not square of 1 to"},
		{"version", withHeader(good, func(h []byte) { h[8] = 9 }), "version 9"},
		{"one class", withHeader(good, func(h []byte) { h[32] = 1 }), "1 classes"},
		{"label out of range", func() []byte { b := bytes.Clone(good); b[packPixels+12] = 7; return b }(), "label 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.pack")
			os.WriteFile(path, c.data, 0o644)
			ds, err := Open(Spec{Folder: path})
			if err == nil {
				ds.Close()
				t.Fatal("opened")
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line saying %q", msg, c.want)
			}
		})
	}
}

// FuzzPackHeader feeds the header check arbitrary bytes and lengths: what it accepts describes
// exactly a file of that length, with bounded sizes.
func FuzzPackHeader(f *testing.F) {
	good := validPack(f)
	f.Add(good[:packHeader], int64(len(good)))
	f.Add(good[:packHeader], int64(len(good)-1))
	f.Add([]byte("GOGANPAK"), int64(8))
	f.Add(withHeader(good, func(h []byte) { binary.LittleEndian.PutUint64(h[24:], 1<<62) })[:packHeader], int64(1<<62))
	f.Fuzz(func(t *testing.T, head []byte, size int64) {
		m, err := decodePackHeader(head, size)
		if err != nil {
			return
		}
		if m.fileSize() != uint64(size) || m.n < 1 || m.h != m.w || (m.c != 1 && m.c != 3) || m.classes == 1 {
			t.Fatalf("accepted %+v for a file of %d bytes", m, size)
		}
	})
}
