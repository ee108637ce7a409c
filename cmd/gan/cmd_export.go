package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"gogan/cpu"
	"gogan/internal/atomicfile"
	"gogan/onnx"
)

func init() {
	register("export", "write a checkpoint's generator as an ONNX model", runExport)
}

type exportOptions struct {
	checkpoint, onnxPath string
	noEMA, force         bool
}

func runExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	var o exportOptions
	fs.StringVar(&o.checkpoint, "checkpoint", "", "a gogan training checkpoint, or a run folder for its latest")
	fs.StringVar(&o.onnxPath, "onnx", "", "the ONNX model to write, e.g. G.onnx")
	fs.BoolVar(&o.noEMA, "no-ema", false, "export the trained generator rather than the moving average of its weights that the checkpoint holds")
	fs.BoolVar(&o.force, "force", false, "overwrite the ONNX file if it exists")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return exportONNX(o, stdout)
}

// exportONNX writes the checkpoint's generator to o.onnxPath. The weights are read on the
// CPU: exporting copies them once and runs nothing.
func exportONNX(o exportOptions, stdout io.Writer) error {
	if o.checkpoint == "" || o.onnxPath == "" {
		return usageError{errors.New("give --checkpoint (a checkpoint or run folder) and --onnx (the file to write)")}
	}
	if st, err := os.Stat(o.onnxPath); err == nil {
		if st.IsDir() {
			return fmt.Errorf("--onnx %s is a folder; give the file to write, e.g. %s", o.onnxPath, filepath.Join(o.onnxPath, "G.onnx"))
		}
		if !o.force {
			return fmt.Errorf("%s exists; give --force to overwrite it", o.onnxPath)
		}
	}
	ck, err := openCheckpoint("--checkpoint", o.checkpoint)
	if err != nil {
		return err
	}
	cfg := ck.Config.Model()
	g, err := buildGenerator(cpu.New(), cfg)
	if err != nil {
		return err
	}
	if err := ck.LoadGenerator(g, !o.noEMA); err != nil {
		return err
	}
	weights := "trained"
	if !o.noEMA && ck.HasEMA() {
		weights = "moving average"
	}
	model, err := onnx.Marshal(onnx.Generator{
		Net: g, Config: cfg, ClassNames: ck.Config.ClassNames,
		Metadata: [][2]string{
			{"checkpoint", filepath.Base(ck.Path)},
			{"step", strconv.Itoa(ck.Progress.Step)},
			{"weights", weights},
		},
	})
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(o.onnxPath, model, 0o644); err != nil {
		return err
	}
	inputs := fmt.Sprintf("z (N, %d, 1, 1) float32", cfg.NZ)
	if cfg.Classes > 0 {
		inputs += fmt.Sprintf(", class (N) int64 in [0, %d)", cfg.Classes)
	}
	out := g.OutShape()
	size := fmt.Sprintf("%.1f MB", float64(len(model))/1e6)
	if len(model) < 1e6 {
		size = fmt.Sprintf("%.1f kB", float64(len(model))/1e3)
	}
	fmt.Fprintf(stdout, "wrote %s: the %s generator of step %d (%s weights), %s; inputs %s, output image (N, %d, %d, %d) in [-1, 1]\n",
		o.onnxPath, cfg.Arch, ck.Progress.Step, weights, size, inputs, out[0], out[1], out[2])
	return nil
}
