package run

import (
	"encoding/json"
	"fmt"

	"gogan/models"
	"gogan/nn"
	"gogan/train"
)

// Config is everything that defines a training run: it is written to config.json and into
// every checkpoint, so that a run can be resumed and its generator rebuilt from a checkpoint
// alone.
type Config struct {
	Dataset   string `json:"dataset"`
	Data      string `json:"data,omitempty"`
	Split     string `json:"split"`
	ImageSize int    `json:"image_size"`
	Arch      string `json:"arch"`
	NZ        int    `json:"nz"`
	NGF       int    `json:"ngf"`
	NDF       int    `json:"ndf"`
	NC        int    `json:"nc"`
	BatchSize int    `json:"batch_size"`
	Epochs    int    `json:"epochs,omitempty"`
	Steps     int    `json:"steps,omitempty"`
	// LR, Beta1 and Beta2 are Adam's settings for both networks, but where a network has its
	// own (LRG…Beta2D, absent from checkpoints written before they could differ).
	LR     float32  `json:"lr"`
	Beta1  float32  `json:"beta1"`
	Beta2  float32  `json:"beta2"`
	LRG    *float32 `json:"lr_g,omitempty"`
	LRD    *float32 `json:"lr_d,omitempty"`
	Beta1G *float32 `json:"beta1_g,omitempty"`
	Beta1D *float32 `json:"beta1_d,omitempty"`
	Beta2G *float32 `json:"beta2_g,omitempty"`
	Beta2D *float32 `json:"beta2_d,omitempty"`
	// SettingsHistory says which optimiser and augmentation settings held from which step,
	// once a resume changed them (settings_history.go); empty while they never changed.
	SettingsHistory []SettingsSpan `json:"settings_history,omitempty"`
	Loss            string         `json:"loss"`
	DSteps          int            `json:"d_steps"`
	Clip            float32        `json:"clip,omitempty"`
	Seed            uint64         `json:"seed"`
	Device          string         `json:"device"`
	// TF32 lets the GPU's matrix products use TensorFloat-32 tensor cores.
	TF32 bool   `json:"tf32,omitempty"`
	Out  string `json:"out"`
	// RunID names the run that wrote a folder and its checkpoints, so that a run prunes and
	// moves only files of its own.
	RunID string `json:"run_id,omitempty"`
	// Overwrite lets a fresh run take a folder that holds another run, moving that run aside.
	Overwrite bool `json:"-"`
	// EMADecay is the decay of the moving average of G's weights that samples, evaluations
	// and checkpoints' generator_ema hold; 0 keeps no average.
	EMADecay float32 `json:"ema_decay,omitempty"`
	// EMAStats says how the averaged generator's BatchNorm statistics are kept:
	// EMAStatsRecomputed (also when empty, as in checkpoints written before the choice) or
	// EMAStatsAveraged.
	EMAStats string `json:"ema_stats,omitempty"`
	// Conditional trains G and D on the data's classes; Classes and ClassNames are then the
	// data's, settled when it is opened, and stored in every checkpoint.
	Conditional bool     `json:"conditional,omitempty"`
	Classes     int      `json:"classes,omitempty"`
	ClassNames  []string `json:"class_names,omitempty"`

	// Augment is DiffAugment's policy for D's inputs (nn.ParseAugmentPolicy; empty, as in
	// checkpoints from before the choice, or "none": none) and Mirror flips real images left to
	// right at random. Both may change when resuming.
	Augment string `json:"augment,omitempty"`
	Mirror  bool   `json:"mirror,omitempty"`

	EvalEvery       int `json:"eval_every,omitempty"`
	EvalN           int `json:"eval_n,omitempty"`
	SampleEvery     int `json:"sample_every"`
	CheckpointEvery int `json:"checkpoint_every"`
	Keep            int `json:"keep"`

	// ReplaySteps records a step once and replays it on a backend that can (CUDA graphs, see
	// train/graphs.go); off, every step runs op by op. The results are the same bits either
	// way, so it is not recorded.
	ReplaySteps bool `json:"-"`
	// TensorBoard writes the run's event files into <out>/tb (tensorboard.go); a view of the
	// run that changes nothing in it, so it is not recorded either.
	TensorBoard bool `json:"-"`
}

// Bounds of the settings: far beyond any useful run, they keep products of sizes from
// overflowing before the memory estimate can refuse them.
const (
	MaxBatchSize = 1 << 20
	MaxDSteps    = 100
	MaxSteps     = 1 << 40
)

// Model is the architecture part of the configuration.
func (c Config) Model() models.Config {
	m := models.Config{Arch: c.Arch, NZ: c.NZ, NGF: c.NGF, NDF: c.NDF, NC: c.NC}
	if c.Conditional {
		m.Classes = c.Classes
	}
	return m
}

// Hyper is the optimisation part of the configuration.
func (c Config) Hyper() (train.Hyper, error) {
	obj, err := nn.ParseObjective(c.Loss)
	if err != nil {
		return train.Hyper{}, err
	}
	g, d := c.Optimisers()
	h := train.Hyper{Objective: obj, G: g, D: d, DSteps: c.DSteps, Clip: c.Clip}
	if obj == nn.Wasserstein && h.Clip == 0 {
		h.Clip = 0.01 // the WGAN paper's value
	}
	return h, h.Validate()
}

// Validate checks the settings that do not depend on the data.
func (c Config) Validate() error {
	if err := train.CheckEMADecay(c.EMADecay); err != nil {
		return err
	}
	switch {
	case c.BatchSize < 1:
		return fmt.Errorf("batch size %d must be at least 1", c.BatchSize)
	case c.Epochs < 1 && c.Steps < 1:
		return fmt.Errorf("epochs %d must be at least 1 (or give --steps)", c.Epochs)
	case c.Steps < 0:
		return fmt.Errorf("steps %d must not be negative", c.Steps)
	case c.SampleEvery < 0 || c.CheckpointEvery < 0 || c.EvalEvery < 0:
		return fmt.Errorf("sample-every, checkpoint-every and eval-every must not be negative")
	case c.EvalEvery > 0 && c.EvalN < 2:
		return fmt.Errorf("eval-n %d must be at least 2", c.EvalN)
	case c.Keep < 1:
		return fmt.Errorf("keep %d must be at least 1", c.Keep)
	case c.BatchSize > MaxBatchSize:
		return fmt.Errorf("batch size %d must be at most %d", c.BatchSize, MaxBatchSize)
	case c.DSteps > MaxDSteps:
		return fmt.Errorf("d-steps %d must be at most %d", c.DSteps, MaxDSteps)
	case c.Steps > MaxSteps:
		return fmt.Errorf("steps %d must be at most %d", c.Steps, MaxSteps)
	case c.Epochs > MaxSteps:
		return fmt.Errorf("epochs %d must be at most %d", c.Epochs, MaxSteps)
	case c.ImageSize < 0:
		return fmt.Errorf("image size %d must not be negative", c.ImageSize)
	case c.EMAStats != "" && c.EMAStats != train.EMAStatsRecomputed && c.EMAStats != train.EMAStatsAveraged:
		return fmt.Errorf("ema stats %q must be %s or %s", c.EMAStats, train.EMAStatsRecomputed, train.EMAStatsAveraged)
	case c.Conditional && c.Classes != 0 && len(c.ClassNames) != c.Classes:
		return fmt.Errorf("%d class names for %d classes", len(c.ClassNames), c.Classes)
	}
	if _, err := nn.ParseAugmentPolicy(c.Augment); err != nil {
		return fmt.Errorf("--augment: %w", err)
	}
	if c.ImageSize > 0 {
		// Checked before the data is resized to it: only an architecture's size can train.
		if _, err := models.ArchForImageSize(c.ImageSize); err != nil {
			return fmt.Errorf("--image-size %d: gogan's architectures make %s pixel square images; give one of those, and the data is resized to it", c.ImageSize, models.ImageSizes)
		}
	}
	if m := c.Model(); c.Arch != "auto" {
		if m.NC == 0 {
			m.NC = 1 // nc 0 takes the dataset's channels, known only once it is open
		}
		if err := m.Validate(); err != nil {
			return err
		}
	}
	_, err := c.Hyper()
	return err
}

// MarshalConfig and UnmarshalConfig convert a configuration to and from JSON. Only the
// stopping rule in force is written: --steps overrides --epochs, so a configuration with
// steps has no epochs.
func MarshalConfig(c Config) string {
	if c.Steps > 0 {
		c.Epochs = 0
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // a struct of plain fields always marshals
	}
	return string(b)
}

// UnmarshalConfig reads a configuration written by MarshalConfig.
func UnmarshalConfig(s string) (Config, error) {
	var c Config
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, nil
}
