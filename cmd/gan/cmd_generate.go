package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"gogan/data"
	"gogan/generate"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

func init() {
	register("generate", "make images from a checkpoint or a PyTorch generator's weights", runGenerate)
}

// maxImages bounds one run's images, which are all held in memory (about 1.6 GB of 64×64 RGB
// at this bound), so that a mistyped count fails at once rather than exhausting memory.
const maxImages = 100000

type generateOptions struct {
	checkpoint, weights       string
	arch                      string
	nz, ngf, nc               int
	n, nrow, interpolate      int
	seed                      uint64
	out, outDir, latents, npy string
	device                    string
	force, nGiven             bool
	noEMA                     bool
	cls                       classOptions
}

func runGenerate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", stderr)
	var o generateOptions
	fs.StringVar(&o.checkpoint, "checkpoint", "", "a gogan training checkpoint, or a run folder for its latest")
	fs.StringVar(&o.weights, "weights", "", "instead of --checkpoint: a generator's state dict in PyTorch's names, a .pth/.pt file of torch.save or safetensors")
	fs.StringVar(&o.arch, "arch", "", "with --weights: dcgan28 or dcgan64 (default: read from the weights' shapes, as are nz, ngf and nc)")
	fs.IntVar(&o.nz, "nz", 0, "with --weights: latent size, checked against the weights")
	fs.IntVar(&o.ngf, "ngf", 0, "with --weights: generator width, checked against the weights")
	fs.IntVar(&o.nc, "nc", 0, "with --weights: image channels, checked against the weights")
	fs.IntVar(&o.n, "n", 64, "number of images")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the latents (a run's seed reproduces its sample grids)")
	fs.IntVar(&o.nrow, "nrow", 8, "images per row of the grid")
	fs.StringVar(&o.out, "out", "", "grid to write, PNG or JPEG by its name (default grid.png unless --out-dir or --out-npy is given)")
	fs.StringVar(&o.outDir, "out-dir", "", "folder for one PNG per image")
	fs.IntVar(&o.interpolate, "interpolate", 0, "make this many images on the path between the latents of --seed and --seed+1")
	fs.StringVar(&o.latents, "latents", "", "an .npy of latents, N×nz or N×nz×1×1 float32, instead of drawing them")
	fs.StringVar(&o.npy, "out-npy", "", "write the raw generator output, N×C×H×W float32, to this .npy")
	fs.StringVar(&o.device, "device", defaultDevice, "cpu or cuda")
	fs.BoolVar(&o.force, "force", false, "overwrite output files that exist")
	bindClassFlags(fs, &o.cls)
	fs.BoolVar(&o.noEMA, "no-ema", false, "use the trained generator rather than the moving average of its weights that the checkpoint holds")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fs.Visit(func(f *flag.Flag) { o.nGiven = o.nGiven || f.Name == "n" })
	return makeImages(o, stdout, stderr)
}

func makeImages(o generateOptions, stdout, stderr io.Writer) error {
	if (o.checkpoint == "") == (o.weights == "") {
		return errors.New("give exactly one of --checkpoint and --weights")
	}
	if o.n < 1 || o.nrow < 1 || o.interpolate < 0 || o.interpolate == 1 {
		return fmt.Errorf("--n and --nrow must be positive and --interpolate 0 or at least 2")
	}
	if o.n > maxImages || o.interpolate > maxImages {
		return fmt.Errorf("--n and --interpolate must be at most %d: every image is held in memory until written", maxImages)
	}
	if o.out == "" && o.outDir == "" && o.npy == "" {
		o.out = "grid.png"
	}
	if o.out != "" {
		if err := data.CheckImageName(o.out); err != nil {
			return fmt.Errorf("--out %w", err)
		}
	}
	if o.nGiven && (o.interpolate > 0 || o.latents != "") {
		what := fmt.Sprintf("--interpolate %d makes %d images", o.interpolate, o.interpolate)
		if o.latents != "" {
			what = "--latents gives one image per latent"
		}
		fmt.Fprintf(stderr, "gan generate: %s; --n %d is ignored\n", what, o.n)
	}
	b, err := newBackend(o.device)
	if err != nil {
		return err
	}
	cfg := models.Config{Arch: o.arch, NZ: o.nz, NGF: o.ngf, NDF: 1, NC: o.nc}
	if o.checkpoint != "" {
		ck, err := openCheckpoint("--checkpoint", o.checkpoint)
		if err != nil {
			return err
		}
		o.checkpoint = ck.Path
		cfg = ck.Config.Model()
		if cfg.Classes == 0 {
			if err := checkUnconditional(o, o.checkpoint); err != nil {
				return err
			}
		}
		g, err := generate.Load(b, ck.Generator(!o.noEMA))
		if err != nil {
			return err
		}
		return generateWith(g, cfg, ck.Config.ClassNames, o, stdout)
	}
	if err := checkUnconditional(o, o.weights); err != nil {
		return err
	}
	g, cfg, err := loadWeights(b, cfg, o.weights)
	if err != nil {
		return err
	}
	return generateWith(g, cfg, nil, o, stdout)
}

// buildGenerator builds an untrained generator of cfg for batches of one.
func buildGenerator(b nn.Backend, cfg models.Config) (*nn.Network, error) {
	return generate.Build(b, cfg, 1)
}

// latentsFor returns the latents to draw, (N, nz) in a flat slice.
func latentsFor(o generateOptions, nz int) ([]float32, int, error) {
	switch {
	case o.latents != "":
		return generate.ReadLatents(o.latents, nz)
	case o.interpolate > 0:
		return generate.Interpolate(o.seed, o.interpolate, nz), o.interpolate, nil
	default:
		return train.FixedLatents(o.seed, o.n, nz), o.n, nil
	}
}

func generateWith(g *nn.Network, cfg models.Config, classNames []string, o generateOptions, stdout io.Writer) error {
	plan := classPlan{nrow: o.nrow}
	var err error
	if cfg.Classes > 0 {
		plan, err = planClasses(o, cfg.NZ, classNames)
	} else {
		plan.z, plan.n, err = latentsFor(o, cfg.NZ)
		if o.interpolate > 0 {
			plan.nrow = plan.n
		}
	}
	if err != nil {
		return err
	}
	if err := checkOutputs(o, plan.n); err != nil {
		return err
	}
	dense, err := generate.Images(g, plan.z, plan.n, "ask for fewer with --n")
	if err != nil {
		return err
	}
	n, out := plan.n, g.OutShape()
	if o.out != "" {
		if err := generate.WriteGrid(o.out, dense, plan.nrow, plan.rowNames); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote a grid of %d images to %s\n", n, o.out)
	}
	if o.outDir != "" {
		if err := generate.WriteFolder(o.outDir, dense); err != nil {
			return err
		}
		paths := generate.FolderPaths(o.outDir, n)
		if n == 1 {
			fmt.Fprintf(stdout, "wrote 1 image to %s\n", paths[0])
		} else {
			fmt.Fprintf(stdout, "wrote %d images to %s … %s\n", n, paths[0], filepath.Base(paths[n-1]))
		}
	}
	if o.npy != "" {
		if err := generate.WriteNPY(o.npy, dense); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the raw output (%d, %d, %d, %d) to %s\n", n, out[0], out[1], out[2], o.npy)
	}
	return nil
}

// checkOutputs refuses, before any image is made, to replace a file that exists, unless
// --force says so.
func checkOutputs(o generateOptions, n int) error {
	if o.force {
		return nil
	}
	paths := []string{o.out, o.npy}
	if o.outDir != "" {
		paths = append(paths, generate.FolderPaths(o.outDir, n)...)
	}
	return generate.CheckFree(paths)
}
