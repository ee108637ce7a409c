package generate

import (
	"fmt"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"gogan/data"
	"gogan/internal/atomicfile"
	"gogan/internal/memlimit"
	"gogan/metrics"
	"gogan/nn"
)

// Chunk bounds the generator's batch, and so its memory, however many images are asked.
const Chunk = 256

// ImagePrefix starts the names of the files that WriteFolder writes.
const ImagePrefix = "image"

// Images runs g in evaluation mode on n inputs z (n·g's input size values), Chunk at a time,
// and returns the n images, after checking that memory holds them (hint says how to ask for
// fewer).
func Images(g *nn.Network, z []float32, n int, hint string) (*tensor.Dense, error) {
	out := g.OutShape()
	// The images as float32, and once more as the grid or PNGs made of them.
	if err := memlimit.Check(2*4*float64(n)*float64(out.Size()), fmt.Sprintf("%d images of %v", n, out), hint); err != nil {
		return nil, err
	}
	images := metrics.FromGenerator(g, z, min(n, Chunk))(n)
	if images == nil {
		return nil, fmt.Errorf("%d inputs of %d values hold fewer than %d images", len(z)/max(1, g.InShape().Size()), g.InShape().Size(), n)
	}
	return images, nil
}

// WriteGrid writes the images as a grid of nrow a row, PNG or JPEG by the path's name, each
// row named when rowNames (one per row) is not nil.
func WriteGrid(path string, images *tensor.Dense, nrow int, rowNames []string) error {
	if rowNames != nil {
		return data.WriteLabelledGrid(path, images, nrow, 2, 0, rowNames)
	}
	return data.WriteGrid(path, images, nrow, 2, 0)
}

// WriteFolder writes one PNG per image into dir, named by ImagePrefix and the index.
func WriteFolder(dir string, images *tensor.Dense) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return data.WritePNGs(dir, ImagePrefix, images)
}

// FolderPaths are the files that WriteFolder writes for n images.
func FolderPaths(dir string, n int) []string {
	paths := make([]string, n)
	for i := range paths {
		paths[i] = filepath.Join(dir, data.PNGName(ImagePrefix, i))
	}
	return paths
}

// WriteNPY writes the raw output, N×C×H×W float32, to path atomically.
func WriteNPY(path string, images *tensor.Dense) error {
	return atomicfile.Write(path, 0o644, images.WriteNpy)
}

// CheckFree refuses, before any image is made, to replace a file that exists; empty paths
// are skipped.
func CheckFree(paths []string) error {
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return fmt.Errorf("%s exists; give --force to overwrite it", p)
		}
	}
	return nil
}
