package main

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"gogan/data"
)

// runDataPack is gan data pack: a folder decoded, resized and cropped once into a pack that
// training maps from disk instead of holding in memory.
func runDataPack(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("data pack", stderr)
	size := fs.Int("image-size", 0, "side of the square images in the pack (required)")
	channels := fs.Int("channels", 3, "1 (grey) or 3 (RGB) channels")
	out := fs.String("out", "", "the pack to write (default <folder>-<size>.pack beside the folder)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gan data pack --image-size N [--channels C] [--out FILE] FOLDER")
		fs.PrintDefaults()
	}
	// The folder may come before or after the flags.
	var folders []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageError{fmt.Errorf("%v ('gan data pack -h' lists the flags)", err)}
		}
		if fs.NArg() == 0 {
			break
		}
		folders, args = append(folders, fs.Arg(0)), fs.Args()[1:]
	}
	if len(folders) != 1 {
		return usageError{fmt.Errorf("give one folder to pack (gan data pack --image-size N FOLDER), not %d", len(folders))}
	}
	if *size == 0 {
		return usageError{fmt.Errorf("give --image-size: the side of the square images the pack holds")}
	}
	folder := folders[0]
	if *out == "" {
		*out = fmt.Sprintf("%s-%d.pack", filepath.Clean(folder), *size)
	}
	start := time.Now()
	res, err := data.WritePack(data.PackSpec{Folder: folder, Out: *out, ImageSize: *size, Channels: *channels, Warn: stderr})
	if err != nil {
		return err
	}
	if res.UpToDate {
		fmt.Fprintf(stdout, "%s is up to date: %d images of %s, unchanged since it was packed\n", *out, res.Images, folder)
		return nil
	}
	fmt.Fprintf(stdout, "%s: %d images at %d×%d×%d from %s, %d classes, in %.1f s\n",
		*out, res.Images, *channels, *size, *size, folder, res.Classes, time.Since(start).Seconds())
	return nil
}
