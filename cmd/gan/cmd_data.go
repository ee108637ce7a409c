package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"gogan/data"
)

func init() {
	register("data", "summarise a dataset and write a grid of its first images; data pack: pack a folder for training", runData)
	register("download", "fetch a named dataset from its mirrors and verify it", runDownload)
}

// gridImages is how many images gan data puts in its grid of unlabelled data; labelled data
// gets a row per class.
const gridImages = 64

func runData(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "pack" {
		return runDataPack(args[1:], stdout, stderr)
	}
	fs := newFlagSet("data", stderr)
	name := fs.String("dataset", "fashion-mnist", "dataset name ("+strings.Join(data.Names(), ", ")+"), a folder of images or a pack")
	dir := fs.String("data", "", "folder holding the dataset's files (searched before $GOGAN_DATA/<name> and ./data/<name>)")
	split := fs.String("split", "train", "train or test")
	grid := fs.String("grid", "", "grid to write, PNG or JPEG by its name: a named row of images per class for labelled data, else the first 64 images (default <dataset>-<split>.png)")
	size := fs.Int("image-size", 0, "resize to this square size; 0 keeps the native size")
	channels := fs.Int("channels", 0, "1 or 3 channels; 0 keeps the native count")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("--dataset is empty: give one of %s, or a folder of images", strings.Join(data.Names(), ", "))
	}
	spec := data.Spec{Name: *name, Dir: *dir, Split: *split, ImageSize: *size, Channels: *channels, Warn: stderr}
	if data.IsFolder(*name) {
		spec.Folder = *name
	}
	ds, err := data.Open(spec)
	if err != nil {
		return err
	}
	printSummary(stdout, ds)
	out := *grid
	if out == "" {
		out = defaultGridName(spec)
	}
	p, err := data.WritePreview(out, ds, gridImages, 8)
	if err != nil {
		return err
	}
	if p.RowNames != nil {
		fmt.Fprintf(stdout, "grid:   %s (a row of up to %d images per class)\n", out, p.Row)
	} else {
		fmt.Fprintf(stdout, "grid:   %s (first %d images)\n", out, p.Images.Shape()[0])
	}
	return nil
}

func defaultGridName(spec data.Spec) string {
	if spec.Folder != "" {
		return filepath.Base(filepath.Clean(spec.Folder)) + ".png"
	}
	return strings.ToLower(spec.Name) + "-" + spec.Split + ".png"
}

func printSummary(w io.Writer, ds *data.Dataset) {
	c, h, wd := ds.Shape()
	st := ds.Stats()
	fmt.Fprintf(w, "%s, from %s\n", ds.Name, ds.Source)
	fmt.Fprintf(w, "images: %d of %d×%d×%d (C×H×W)", ds.Len(), c, h, wd)
	if ds.Skipped > 0 {
		fmt.Fprintf(w, ", %d unreadable files left out", ds.Skipped)
	}
	fmt.Fprintf(w, "\npixels: mean %.4f, std %.4f (in [0, 1])\n", st.Mean, st.Std)
	if st.Histogram == nil {
		fmt.Fprintln(w, "labels: none")
		return
	}
	fmt.Fprintf(w, "labels: %d classes\n", len(st.Histogram))
	for _, line := range classLines(ds.Names(), st.Histogram, 96) {
		fmt.Fprintf(w, "  %s\n", line)
	}
}

// classLines lays out each class's image count in columns of equal cells, as many a line as
// fit in width: "index: count" where the classes are named by their numbers, otherwise
// "index name: count", the index being what --class also accepts.
func classLines(names []string, counts []int, width int) []string {
	numbered := true
	for i, name := range names {
		numbered = numbered && name == strconv.Itoa(i)
	}
	cells := make([]string, len(names))
	for i, name := range names {
		if numbered {
			cells[i] = fmt.Sprintf("%3d: %d", i, counts[i])
		} else {
			cells[i] = fmt.Sprintf("%3d %s: %d", i, name, counts[i])
		}
	}
	cellWidth := 0
	for _, c := range cells {
		cellWidth = max(cellWidth, utf8.RuneCountInString(c))
	}
	perLine := max(1, (width+1)/(cellWidth+1))
	var lines []string
	for i := 0; i < len(cells); i += perLine {
		var line strings.Builder
		for j, c := range cells[i:min(i+perLine, len(cells))] {
			if j > 0 {
				line.WriteString(strings.Repeat(" ", 1+cellWidth-utf8.RuneCountInString(cells[i+j-1])))
			}
			line.WriteString(c)
		}
		lines = append(lines, line.String())
	}
	return lines
}

// mirrorList collects repeated --mirror flags.
type mirrorList []string

func (m *mirrorList) String() string { return strings.Join(*m, ",") }

func (m *mirrorList) Set(v string) error {
	if !strings.HasPrefix(v, "http://") && !strings.HasPrefix(v, "https://") {
		return fmt.Errorf("%q is not an http(s) URL", v)
	}
	*m = append(*m, v)
	return nil
}

func runDownload(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("download", stderr)
	dir := fs.String("dir", "", "folder to put the files in (default $GOGAN_DATA/<name>, or ./data/<name>)")
	split := fs.String("split", "", "fetch only train or test (default both)")
	keep := fs.Bool("keep-archive", false, "EMNIST: keep gzip.zip after extracting the split")
	var mirrors mirrorList
	fs.Var(&mirrors, "mirror", "base URL to fetch from instead of the official mirrors (repeatable)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: gan download NAME [flags]\n\nNAME is one of %s.\n\nFlags:\n", strings.Join(data.Names(), ", "))
		fs.PrintDefaults()
	}
	name, err := parseNameAndFlags(fs, args)
	if err != nil {
		return err
	}
	if name == "" {
		return fmt.Errorf("name a dataset: gan download NAME, NAME one of %s", strings.Join(data.Names(), ", "))
	}
	target := *dir
	if target == "" {
		target = data.DefaultDir(strings.ToLower(name))
	}
	ctx, stop := stopOnSignal(stderr, "stopping: removing the partial file", "still stopping; one more Ctrl-C aborts at once",
		"gan download: aborted; a partial .tmp file may be left in "+target)
	defer stop()
	opt := data.DownloadOptions{Split: *split, Mirrors: mirrors, KeepArchive: *keep, Log: stderr}
	if isTerminal(stderr) {
		opt.Progress = func(label string, size int64) io.WriteCloser {
			return progressbar.NewOptions64(size,
				progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(label),
				progressbar.OptionShowBytes(true), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
		}
	}
	if err := data.Download(ctx, name, target, opt); err != nil {
		return interrupted(ctx, err)
	}
	fmt.Fprintf(stdout, "%s is in %s\n", strings.ToLower(name), target)
	return nil
}

// parseNameAndFlags accepts the dataset name before, between or after the flags.
func parseNameAndFlags(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", errUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return "", nil
	}
	return rest[0], parseFlags(fs, rest[1:])
}

// isTerminal reports whether w is a terminal, where a progress bar can redraw itself.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
