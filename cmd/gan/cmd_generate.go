package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/data"
	"gogan/internal/atomicfile"
	"gogan/internal/memlimit"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

func init() {
	register("generate", "make images from a checkpoint or a PyTorch generator's weights", runGenerate)
}

// generateChunk bounds the generator's batch, and so its memory, however many images are asked.
const generateChunk = 256

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
	fs.StringVar(&o.weights, "weights", "", "instead of --checkpoint: a safetensors file of a generator's state dict in PyTorch's names")
	fs.StringVar(&o.arch, "arch", "dcgan28", "with --weights: "+models.ArchNames)
	fs.IntVar(&o.nz, "nz", 100, "with --weights: latent size")
	fs.IntVar(&o.ngf, "ngf", 64, "with --weights: generator width")
	fs.IntVar(&o.nc, "nc", 1, "with --weights: image channels")
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
	return generate(o, stdout, stderr)
}

func generate(o generateOptions, stdout, stderr io.Writer) error {
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
		g, err := buildGenerator(b, cfg)
		if err != nil {
			return err
		}
		if err := ck.LoadGenerator(g, !o.noEMA); err != nil {
			return err
		}
		return generateWith(g, cfg, ck.Config.ClassNames, o, stdout)
	}
	if err := checkUnconditional(o, o.weights); err != nil {
		return err
	}
	g, err := loadWeights(b, cfg, o.weights)
	if err != nil {
		return err
	}
	return generateWith(g, cfg, nil, o, stdout)
}

func buildGenerator(b nn.Backend, cfg models.Config) (*nn.Network, error) {
	spec, err := models.Generator(cfg)
	if err != nil {
		return nil, err
	}
	return models.Build(b, spec, 1, rand.New(rand.NewPCG(0, 0)))
}

// loadWeights builds a generator as cfg says and loads a PyTorch state dict into it;
// num_batches_tracked, which generating does not use, is skipped. The file's shapes are
// checked against cfg first, so that flags of absurd sizes are refused before the network
// is allocated.
func loadWeights(b nn.Backend, cfg models.Config, path string) (*nn.Network, error) {
	f, err := checkpoints.Read(path)
	if err != nil {
		return nil, err
	}
	if _, ok := f.Info("generator.0.weight"); ok {
		return nil, fmt.Errorf("%s is a gogan training checkpoint, not a generator's state dict: give it with --checkpoint", path)
	}
	spec, err := models.Generator(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s with --%w", path, err) // the error begins with the flag's name
	}
	if err := checkStateShapes(f, spec); err != nil {
		return nil, fmt.Errorf("%s: %w, not a %s generator with --nz %d, --ngf %d and --nc %d", path, err, cfg.Arch, cfg.NZ, cfg.NGF, cfg.NC)
	}
	g, err := models.Build(b, spec, 1, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return nil, err
	}
	state := map[string]*tensor.Dense{}
	for _, name := range f.Names() {
		if strings.HasSuffix(name, ".num_batches_tracked") {
			continue
		}
		info, _ := f.Info(name)
		values, err := f.F32(name)
		if err != nil {
			return nil, err
		}
		if err := train.CheckTensor(name, values); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		state[name] = tensor.New(tensor.WithShape(info.Shape...), tensor.WithBacking(values))
	}
	if err := g.LoadState(state); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// checkStateShapes compares the parameter and buffer shapes that spec implies, layer by
// layer, with the file's tensors of the same names, without allocating the network.
func checkStateShapes(f *checkpoints.File, spec models.Spec) error {
	shape := spec.In
	for i, l := range spec.Layers {
		p, err := l.Plan(shape)
		if err != nil {
			return err
		}
		for _, s := range append(p.Params, p.Buffers...) {
			name := fmt.Sprintf("%d.%s", i, s.Name)
			info, ok := f.Info(name)
			if !ok {
				return fmt.Errorf("no tensor %q", name)
			}
			if !nn.Shape(info.Shape).Equal(s.Shape) {
				return fmt.Errorf("tensor %q is %v, want %v", name, nn.Shape(info.Shape), s.Shape)
			}
		}
		shape = p.Out
	}
	return nil
}

// latentsFor returns the latents to draw, (N, nz) in a flat slice.
func latentsFor(o generateOptions, nz int) ([]float32, int, error) {
	switch {
	case o.latents != "":
		return readLatents(o.latents, nz)
	case o.interpolate > 0:
		a, b := train.FixedLatents(o.seed, 1, nz), train.FixedLatents(o.seed+1, 1, nz)
		z := make([]float32, 0, o.interpolate*nz)
		for i := 0; i < o.interpolate; i++ {
			z = append(z, slerp(a, b, float64(i)/float64(o.interpolate-1))...)
		}
		return z, o.interpolate, nil
	default:
		return train.FixedLatents(o.seed, o.n, nz), o.n, nil
	}
}

// readLatents reads an .npy of float32 latents shaped (N, nz) or (N, nz, 1, 1) and returns
// them with N.
func readLatents(path string, nz int) ([]float32, int, error) {
	a, err := data.ReadNPY(path)
	if err != nil {
		return nil, 0, err
	}
	dims := a.Shape
	if a.Float32 == nil {
		return nil, 0, fmt.Errorf("%s: latents must be float32 ('<f4'), not bytes", path)
	}
	if !(len(dims) == 2 && dims[1] == nz || len(dims) == 4 && dims[1] == nz && dims[2] == 1 && dims[3] == 1) {
		return nil, 0, fmt.Errorf("%s: latents of shape %v, want (N, %d) or (N, %d, 1, 1)", path, dims, nz, nz)
	}
	return a.Float32, dims[0], nil
}

// writeGrid writes the images as a grid, each row named when the rows are classes.
func writeGrid(path string, images *tensor.Dense, plan classPlan) error {
	if plan.rowNames != nil {
		return data.WriteLabelledGrid(path, images, plan.nrow, 2, 0, plan.rowNames)
	}
	return data.WriteGrid(path, images, plan.nrow, 2, 0)
}

// slerp interpolates on the sphere, which keeps the intermediate latents at the norm that
// Gaussian latents have, unlike a straight line through the origin's neighbourhood.
func slerp(a, b []float32, t float64) []float32 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	omega := math.Acos(max(-1, min(1, dot/math.Sqrt(na*nb))))
	out := make([]float32, len(a))
	for i := range a {
		if omega < 1e-6 {
			out[i] = float32((1-t)*float64(a[i]) + t*float64(b[i]))
			continue
		}
		out[i] = float32((math.Sin((1-t)*omega)*float64(a[i]) + math.Sin(t*omega)*float64(b[i])) / math.Sin(omega))
	}
	return out
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
	z, n, in := plan.z, plan.n, g.InShape().Size()
	if err := checkOutputs(o, n); err != nil {
		return err
	}
	b := g.Backend()
	chunk := min(n, generateChunk)
	if err := g.Reserve(chunk); err != nil {
		return err
	}
	zt := b.New(append(nn.Shape{chunk}, g.InShape()...)...)
	out := g.OutShape()
	per := out.Size()
	// The images as float32, and once more as the grid or PNGs made of them.
	if err := memlimit.Check(2*4*float64(n)*float64(per), fmt.Sprintf("%d images of %v", n, out), "ask for fewer with --n"); err != nil {
		return err
	}
	images := make([]float32, 0, n*per)
	for lo := 0; lo < n; lo += chunk {
		k := min(chunk, n-lo)
		zb := zt.Batch(k)
		b.Upload(zb, z[lo*in:(lo+k)*in])
		host := make([]float32, k*per)
		b.Download(host, g.Forward(zb, false))
		images = append(images, host...)
	}
	dense := tensor.New(tensor.WithShape(n, out[0], out[1], out[2]), tensor.WithBacking(images))
	if o.out != "" {
		if err := writeGrid(o.out, dense, plan); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote a grid of %d images to %s\n", n, o.out)
	}
	if o.outDir != "" {
		if err := os.MkdirAll(o.outDir, 0o755); err != nil {
			return err
		}
		if err := data.WritePNGs(o.outDir, imagePrefix, dense); err != nil {
			return err
		}
		first := filepath.Join(o.outDir, data.PNGName(imagePrefix, 0))
		if n == 1 {
			fmt.Fprintf(stdout, "wrote 1 image to %s\n", first)
		} else {
			fmt.Fprintf(stdout, "wrote %d images to %s … %s\n", n, first, data.PNGName(imagePrefix, n-1))
		}
	}
	if o.npy != "" {
		if err := atomicfile.Write(o.npy, 0o644, dense.WriteNpy); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the raw output (%d, %d, %d, %d) to %s\n", n, out[0], out[1], out[2], o.npy)
	}
	return nil
}

// imagePrefix starts the names of the files that --out-dir gets.
const imagePrefix = "image"

// checkOutputs refuses, before any image is made, to replace a file that exists, unless
// --force says so.
func checkOutputs(o generateOptions, n int) error {
	if o.force {
		return nil
	}
	paths := []string{o.out, o.npy}
	if o.outDir != "" {
		for i := 0; i < n; i++ {
			paths = append(paths, filepath.Join(o.outDir, data.PNGName(imagePrefix, i)))
		}
	}
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
