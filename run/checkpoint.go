package run

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"

	"gorgonia.org/tensor"

	"gogan/checkpoints"
	"gogan/generate"
	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// checkpointFormat names the layout of gogan's checkpoints, so that a file of another
// layout is refused with a clear message.
const checkpointFormat = "gogan-checkpoint-1"

// Tensor name prefixes: the networks' state dicts under these, in PyTorch's names.
const (
	generatorPrefix     = "generator."
	discriminatorPrefix = "discriminator."
	// emaPrefix holds the averaged generator's weights and its recomputed BatchNorm
	// statistics, when the run keeps an average.
	emaPrefix = "generator_ema."
)

// Progress is where a run stands: generator steps done, the data loader's position, and the
// states of the latents', the augmentation's and the flips' generators.
type Progress struct {
	Step       int
	Epoch      int // of the next batch
	BatchIndex int // within that epoch
	ZRNG       *rand.PCG
	AugmentRNG *rand.PCG
	MirrorRNG  *rand.PCG
}

// NewProgress is a run's progress before its first step, with each generator at the start of
// its stream.
func NewProgress(seed uint64) Progress {
	return Progress{ZRNG: rand.NewPCG(seed, train.StreamLatents), AugmentRNG: rand.NewPCG(seed, train.StreamAugment),
		MirrorRNG: rand.NewPCG(seed, train.StreamMirror)}
}

// rngRoles name the generators of rngKeys in messages.
var rngRoles = map[string]string{"z_rng": "latent", "augment_rng": "augmentation", "mirror_rng": "flip"}

// rngKeys are the checkpoint's metadata keys of the progress's generators. A checkpoint from
// before augmentation has only z_rng; the others then start at their streams' beginning.
func (p *Progress) rngKeys() map[string]**rand.PCG {
	return map[string]**rand.PCG{"z_rng": &p.ZRNG, "augment_rng": &p.AugmentRNG, "mirror_rng": &p.MirrorRNG}
}

// SaveCheckpoint writes the GAN, both Adam states, the progress and the configuration to
// path, atomically.
func SaveCheckpoint(path string, gan *train.GAN, p Progress, cfg Config) error {
	return saveCheckpoint(path, gan, p, cfg, nil)
}

// hostBuffers holds the host copies of every tensor a checkpoint writes, taken once when a
// run starts and reused by each save: a save that allocated them afresh would need that
// memory again at every checkpoint, hours into a run, with the last save's copies not yet
// collected.
type hostBuffers struct {
	floats []float32
	next   int
}

// checkpointFloats counts the floats a checkpoint of gan copies to the host: every state
// tensor of G, D and the averaged generator, and both Adam moment arenas.
func checkpointFloats(gan *train.GAN) int {
	n := 0
	nets := []*nn.Network{gan.G, gan.D}
	if gan.EMA != nil {
		nets = append(nets, gan.Sampler())
	}
	for _, net := range nets {
		for _, name := range net.StateNames() {
			n += net.Named(name).Tensor.Len()
		}
	}
	return n + gan.OptG.M.Len() + gan.OptG.V.Len() + gan.OptD.M.Len() + gan.OptD.V.Len()
}

func newHostBuffers(gan *train.GAN) *hostBuffers {
	return &hostBuffers{floats: make([]float32, checkpointFloats(gan))}
}

// download copies a device tensor to the host: into the next part of h, or into a new slice
// when h is nil.
func (h *hostBuffers) download(b nn.Backend, t *nn.Tensor) []float32 {
	var out []float32
	if h == nil || h.next+t.Len() > len(h.floats) {
		out = make([]float32, t.Len())
	} else {
		out = h.floats[h.next : h.next+t.Len() : h.next+t.Len()]
		h.next += t.Len()
	}
	b.Download(out, t)
	return out
}

// saveCheckpoint is SaveCheckpoint with the host copies made into host, if it is not nil.
func saveCheckpoint(path string, gan *train.GAN, p Progress, cfg Config, host *hostBuffers) error {
	if host != nil {
		host.next = 0
	}
	download := host.download
	var ts []checkpoints.Tensor
	for _, part := range []struct {
		prefix string
		net    *nn.Network
		opt    *nn.Optimizer
	}{{generatorPrefix, gan.G, gan.OptG}, {discriminatorPrefix, gan.D, gan.OptD}} {
		b := part.net.Backend()
		for _, name := range part.net.StateNames() {
			t := part.net.Named(name).Tensor
			values := download(b, t)
			if err := train.CheckTensor(part.prefix+name, values); err != nil {
				return err // never a checkpoint that generates only black
			}
			ts = append(ts, checkpoints.F32(part.prefix+name, t.Shape, values))
		}
		tracked := []int64{int64(part.net.BatchesTracked())}
		for _, i := range part.net.BatchNormLayers() {
			ts = append(ts, checkpoints.I64(fmt.Sprintf("%s%d.num_batches_tracked", part.prefix, i), []int{}, tracked))
		}
		m, v := download(b, part.opt.M), download(b, part.opt.V)
		opt := "optimizer." + part.prefix
		// The moment buffers share the parameter arena's layout.
		for _, p := range part.net.Parameters() {
			off, n := p.Offset, p.Tensor.Len()
			ts = append(ts,
				checkpoints.F32(opt+p.Name+".exp_avg", p.Tensor.Shape, m[off:off+n]),
				checkpoints.F32(opt+p.Name+".exp_avg_sq", p.Tensor.Shape, v[off:off+n]))
		}
		ts = append(ts, checkpoints.I64(opt+"step", []int{}, []int64{int64(part.opt.Steps())}))
	}
	if gan.EMA != nil {
		avg := gan.Sampler()
		for _, name := range avg.StateNames() {
			t := avg.Named(name).Tensor
			ts = append(ts, checkpoints.F32(emaPrefix+name, t.Shape, download(avg.Backend(), t)))
		}
	}
	meta := map[string]string{
		"format":      checkpointFormat,
		"step":        strconv.Itoa(p.Step),
		"epoch":       strconv.Itoa(p.Epoch),
		"batch_index": strconv.Itoa(p.BatchIndex),
		"config":      MarshalConfig(cfg),
	}
	for key, rng := range p.rngKeys() {
		if *rng == nil {
			continue // a progress made without that stream; loading starts it afresh
		}
		state, err := (*rng).MarshalBinary()
		if err != nil {
			return fmt.Errorf("checkpoint %s: %s: %w", path, key, err)
		}
		meta[key] = hex.EncodeToString(state)
	}
	return checkpoints.Write(path, ts, meta)
}

// Checkpoint is a validated checkpoint file with its configuration and progress.
type Checkpoint struct {
	Path     string
	Config   Config
	Progress Progress
	file     *checkpoints.File
}

// LoadCheckpoint reads and validates a checkpoint's header and metadata; the tensors are
// checked against the networks when they are applied.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := checkpoints.Read(path)
	if err != nil {
		return nil, err
	}
	meta := f.Metadata()
	if meta["format"] != checkpointFormat {
		return nil, fmt.Errorf("checkpoint %s: not a gogan training checkpoint (format %q, want %q)", path, meta["format"], checkpointFormat)
	}
	cfg, err := UnmarshalConfig(meta["config"])
	if err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", path, err)
	}
	c := &Checkpoint{Path: path, Config: cfg, file: f}
	if err := c.checkShapes(); err != nil {
		return nil, err
	}
	if err := c.checkFinite(); err != nil {
		return nil, err
	}
	ints := map[string]*int{"step": &c.Progress.Step, "epoch": &c.Progress.Epoch, "batch_index": &c.Progress.BatchIndex}
	for key, dst := range ints {
		v, err := strconv.Atoi(meta[key])
		if err != nil || v < 0 {
			return nil, fmt.Errorf("checkpoint %s: metadata %s %q is not a count", path, key, meta[key])
		}
		*dst = v
	}
	// Each generator step reads at most d-steps batches, and each epoch has one at least.
	if limit := c.Progress.Step * max(1, cfg.DSteps); c.Progress.Epoch > limit {
		return nil, fmt.Errorf("checkpoint %s: metadata epoch %d is beyond the %d epochs that %d steps can reach", path, c.Progress.Epoch, limit, c.Progress.Step)
	}
	fresh := NewProgress(cfg.Seed)
	for key, rng := range c.Progress.rngKeys() {
		hexState, ok := meta[key]
		if !ok && key != "z_rng" {
			*rng = *fresh.rngKeys()[key] // written before the stream existed
			continue
		}
		state, err := hex.DecodeString(hexState)
		*rng = &rand.PCG{}
		if err == nil {
			err = (*rng).UnmarshalBinary(state)
		}
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %s generator state (%s): %v", path, rngRoles[key], key, err)
		}
	}
	return c, nil
}

// stateDict collects the tensors under prefix, checking that each is float32.
func (c *Checkpoint) stateDict(prefix string, net *nn.Network) (map[string]*tensor.Dense, error) {
	out := map[string]*tensor.Dense{}
	for _, name := range net.StateNames() {
		want := net.Named(name).Tensor.Shape
		data, err := c.file.F32(prefix+name, want...)
		if err != nil {
			return nil, err
		}
		out[name] = tensor.New(tensor.WithShape(want...), tensor.WithBacking(data))
	}
	return out, nil
}

// HasEMA reports whether the checkpoint holds an averaged generator.
func (c *Checkpoint) HasEMA() bool {
	_, ok := c.file.Info(emaPrefix + "0.weight")
	return ok
}

// LoadGenerator copies the checkpoint's generator state into g: the averaged generator's
// when ema is set and the checkpoint has one, else the trained generator's.
func (c *Checkpoint) LoadGenerator(g *nn.Network, ema bool) error {
	prefix := generatorPrefix
	if ema && c.HasEMA() {
		prefix = emaPrefix
	}
	state, err := c.stateDict(prefix, g)
	if err != nil {
		return err
	}
	if err := g.LoadState(state); err != nil {
		return fmt.Errorf("checkpoint %s: generator: %w", c.Path, err)
	}
	return nil
}

// Generator is the checkpoint as a source of generator weights (package generate): the
// averaged generator's when ema is set and the checkpoint has one, else the trained one's.
func (c *Checkpoint) Generator(ema bool) generate.Source { return checkpointGenerator{c, ema} }

type checkpointGenerator struct {
	c   *Checkpoint
	ema bool
}

func (s checkpointGenerator) Model() models.Config     { return s.c.Config.Model() }
func (s checkpointGenerator) ClassNames() []string     { return s.c.Config.ClassNames }
func (s checkpointGenerator) Load(g *nn.Network) error { return s.c.LoadGenerator(g, s.ema) }

// Restore copies both networks and both optimiser states into gan.
func (c *Checkpoint) Restore(gan *train.GAN) error {
	for _, part := range []struct {
		prefix string
		net    *nn.Network
		opt    *nn.Optimizer
	}{{generatorPrefix, gan.G, gan.OptG}, {discriminatorPrefix, gan.D, gan.OptD}} {
		state, err := c.stateDict(part.prefix, part.net)
		if err != nil {
			return err
		}
		if err := part.net.LoadState(state); err != nil {
			return fmt.Errorf("checkpoint %s: %w", c.Path, err)
		}
		if bn := part.net.BatchNormLayers(); len(bn) > 0 {
			tracked, err := c.file.I64(fmt.Sprintf("%s%d.num_batches_tracked", part.prefix, bn[0]))
			if err != nil {
				return err
			}
			if len(tracked) != 1 || tracked[0] < 0 {
				return fmt.Errorf("checkpoint %s: num_batches_tracked is not a count", c.Path)
			}
			part.net.SetBatchesTracked(int(tracked[0]))
		}
		opt := "optimizer." + part.prefix
		m, v := make([]float32, part.net.Params.Len()), make([]float32, part.net.Params.Len())
		for _, p := range part.net.Parameters() {
			for _, mv := range []struct {
				suffix string
				dst    []float32
			}{{".exp_avg", m}, {".exp_avg_sq", v}} {
				data, err := c.file.F32(opt+p.Name+mv.suffix, p.Tensor.Shape...)
				if err != nil {
					return err
				}
				copy(mv.dst[p.Offset:], data)
			}
		}
		steps, err := c.file.I64(opt + "step")
		if err != nil {
			return err
		}
		if len(steps) != 1 || steps[0] < 0 {
			return fmt.Errorf("checkpoint %s: %sstep is not a count", c.Path, opt)
		}
		b := part.net.Backend()
		b.Upload(part.opt.M, m)
		b.Upload(part.opt.V, v)
		part.opt.SetSteps(int(steps[0]))
	}
	if gan.EMA != nil {
		if !c.HasEMA() {
			return fmt.Errorf("checkpoint %s: no averaged generator (%s*) although its configuration keeps one", c.Path, emaPrefix)
		}
		if err := c.LoadGenerator(gan.EMA.G, true); err != nil {
			return err
		}
		gan.EMA.Loaded()
	}
	return nil
}

// checkShapes compares the parameter and buffer shapes that the configuration implies with
// the file's tensors, layer by layer, before any network is built: a configuration of sizes
// the file does not back would otherwise be allocated first.
func (c *Checkpoint) checkShapes() error {
	parts := []struct {
		prefix string
		spec   func(models.Config) (models.Spec, error)
	}{{generatorPrefix, models.Generator}, {discriminatorPrefix, models.Discriminator}}
	if c.Config.EMADecay > 0 {
		parts = append(parts, parts[0])
		parts[2].prefix = emaPrefix
	}
	for _, part := range parts {
		spec, err := part.spec(c.Config.Model())
		if err != nil {
			return fmt.Errorf("checkpoint %s: %w", c.Path, err)
		}
		info := func(name string) (nn.Shape, bool) {
			i, ok := c.file.Info(name)
			return nn.Shape(i.Shape), ok
		}
		var bad *generate.ShapeError
		err = generate.CheckShapes(spec, part.prefix, info)
		switch {
		case errors.As(err, &bad) && bad.Missing:
			return fmt.Errorf("checkpoint %s: no tensor %q", c.Path, bad.Name)
		case errors.As(err, &bad):
			return fmt.Errorf("checkpoint %s: tensor %q is %v, but its configuration (%s, nz %d, ngf %d, ndf %d, nc %d) implies %v",
				c.Path, bad.Name, bad.Got, c.Config.Arch, c.Config.NZ, c.Config.NGF, c.Config.NDF, c.Config.NC, bad.Want)
		case err != nil:
			return fmt.Errorf("checkpoint %s: %w", c.Path, err)
		}
	}
	return nil
}

// checkFinite refuses a checkpoint whose weights, running statistics or Adam moments hold
// NaN, infinity or a negative variance, naming the first such tensor: a diverged run's
// weights would generate only black and train no further.
func (c *Checkpoint) checkFinite() error {
	for _, name := range c.file.Names() {
		if info, _ := c.file.Info(name); info.DType != checkpoints.Float32 {
			continue
		}
		values, err := c.file.F32(name)
		if err != nil {
			return err
		}
		if err := train.CheckTensor(name, values); err != nil {
			return fmt.Errorf("checkpoint %s: %w; use an earlier checkpoint", c.Path, err)
		}
	}
	return nil
}
