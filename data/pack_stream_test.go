package data

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// writeSyntheticPack writes a pack of n random c×side×side images, labelled in two classes,
// straight from the format, without a folder: packs as large as the benchmarks need.
func writeSyntheticPack(tb testing.TB, path string, n, c, side int) {
	writeSyntheticPackOf(tb, path, "/nonexistent/folder", n, c, side) // no folder, no fingerprint checked
}

// writeSyntheticPackOf is writeSyntheticPack with the source folder the pack names.
func writeSyntheticPackOf(tb testing.TB, path, source string, n, c, side int) {
	meta := packMeta{c: c, h: side, w: side, n: uint64(n), classes: 2, pathLen: len(source), namesLen: 3}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.Write(meta.encode())
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]byte, c*side*side)
	for i := 0; i < n; i++ {
		for j := range img {
			img[j] = uint8(rng.Uint32())
		}
		w.Write(img)
	}
	for i := 0; i < n; i++ {
		w.WriteByte(uint8(i % 2))
	}
	w.WriteString(source + "a\nb")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// Mirror flips about half the images, each exactly left to right, and the same ones again
// after a Seek back.
func TestLoaderMirror(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.pack")
	writeSyntheticPack(t, path, 64, 3, 5)
	ds, err := Open(Spec{Folder: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	l, err := NewLoader(ds, 64, 7, true, Mirror())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	first, _, _ := l.Next()
	order := append([]int(nil), l.last...)
	plain := ds.Batch(order).Data().([]float32)
	got := first.Data().([]float32)
	flipped := 0
	for k := range order {
		img, ref := got[k*75:(k+1)*75], plain[k*75:(k+1)*75]
		same, mirrored := true, true
		for p := 0; p < 15; p++ { // 3 planes of 5 rows
			for x := 0; x < 5; x++ {
				same = same && img[p*5+x] == ref[p*5+x]
				mirrored = mirrored && img[p*5+x] == ref[p*5+4-x]
			}
		}
		switch {
		case mirrored && !same:
			flipped++
		case !same:
			t.Fatalf("image %d is neither itself nor its mirror", k)
		}
	}
	if flipped < 16 || flipped > 48 {
		t.Errorf("%d of 64 images flipped, want about half", flipped)
	}
	l.Seek(0, 0)
	again, _, _ := l.Next()
	if !slices.Equal(again.Data().([]float32), got) {
		t.Error("the flips differ after seeking back to the first batch")
	}
}

// residentFileBytes is how much of this process's resident memory is mapped files
// (RssFile in /proc/self/status), or -1 where that is not reported.
func residentFileBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

// Training from a pack keeps its images out of this process's resident memory: two epochs
// over a 49 MB pack leave a few batches' worth resident, not the pack.
func TestPackStaysOutOfMemory(t *testing.T) {
	if residentFileBytes() < 0 {
		t.Skip("no RssFile in /proc/self/status on this system")
	}
	path := filepath.Join(t.TempDir(), "big.pack")
	writeSyntheticPack(t, path, 4000, 3, 64) // 49 MB
	ds, err := Open(Spec{Folder: path})
	if err != nil {
		t.Fatal(err)
	}
	defer ds.Close()
	l, err := NewLoader(ds, 64, 1, true, Mirror())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	base := residentFileBytes()
	var peak int64
	for i := 0; i < 2*l.BatchesPerEpoch(); i++ {
		l.Next()
		peak = max(peak, residentFileBytes()-base)
	}
	runtime.KeepAlive(ds)
	// A margin for the binary's own pages; the pack would add 49 MB.
	if limit := int64(8 << 20); peak > limit {
		t.Errorf("mapped pages resident grew by %d MB, want under %d MB", peak>>20, limit>>20)
	}
	t.Logf("resident mapped pages grew by at most %.1f MB over two epochs of a %.0f MB pack", float64(peak)/1e6, 4000*3*64*64/1e6)
}

// BenchmarkPackBatches measures the batches of 64 a trainer receives from a 64×64 RGB pack,
// with random horizontal flips, in images/s.
func BenchmarkPackBatches(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.pack")
	writeSyntheticPack(b, path, 20000, 3, 64)
	ds, err := Open(Spec{Folder: path, Warn: &bytes.Buffer{}})
	if err != nil {
		b.Fatal(err)
	}
	defer ds.Close()
	l, err := NewLoader(ds, 64, 1, true, Mirror())
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	images := 0
	b.SetBytes(64 * 3 * 64 * 64)
	cpuBefore := processCPUSeconds()
	for b.Loop() {
		t, _, _ := l.Next()
		images += t.Shape()[0]
	}
	b.ReportMetric(float64(images)/b.Elapsed().Seconds(), "images/s")
	// Images per second of this process's CPU time, the loader's goroutines included: a
	// figure that a machine shared with other work does not lower as it lowers images/s.
	if cpu := processCPUSeconds() - cpuBefore; cpu > 0 {
		b.ReportMetric(float64(images)/cpu, "images/cpu-s")
	}
}

// TestMakeSyntheticPack writes the synthetic pack that the README's memory figure trains
// from, when GOGAN_SYNTHETIC_PACK names where (GOGAN_SYNTHETIC_PACK_SIZE: "images,side",
// default 200000,128); it skips otherwise.
func TestMakeSyntheticPack(t *testing.T) {
	path := os.Getenv("GOGAN_SYNTHETIC_PACK")
	if path == "" {
		t.Skip("GOGAN_SYNTHETIC_PACK is not set: no synthetic pack asked for")
	}
	n, side := 200000, 128
	if s := os.Getenv("GOGAN_SYNTHETIC_PACK_SIZE"); s != "" {
		a, b, _ := strings.Cut(s, ",")
		n, _ = strconv.Atoi(a)
		side, _ = strconv.Atoi(b)
	}
	writeSyntheticPack(t, path, n, 3, side)
}
