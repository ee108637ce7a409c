package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"gogan/nn"
	"gogan/toy"
)

func init() {
	register("toy", "the one-dimensional experiment of the GAN papers: watch D(x) reach ½ and D's loss log 4", runToy)
}

func runToy(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("toy", stderr)
	o := toy.Default()
	lr := fs.Float64("lr", shortestFloat64(o.LR), "Adam learning rate of both networks")
	loss := fs.String("loss", "minimax", "objective: minimax, nonsaturating, lsgan, hinge or wgan")
	fs.IntVar(&o.Steps, "steps", o.Steps, "training steps")
	fs.IntVar(&o.BatchSize, "batch-size", o.BatchSize, "curves per batch")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	fs.StringVar(&o.Out, "out", ".", "folder for toy.png")
	asJSON := fs.Bool("json", false, "end with one JSON line holding the means over the last 500 steps")
	device := fs.String("device", defaultDevice, "cpu or cuda")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	var err error
	if o.Loss, err = nn.ParseObjective(*loss); err != nil {
		return err
	}
	o.LR = float32(*lr)
	if o.Out != "" {
		if err := os.MkdirAll(o.Out, 0o755); err != nil {
			return err
		}
	}
	b, err := newBackend(*device)
	if err != nil {
		return err
	}
	res, err := toy.Run(b, o, stdout)
	if err != nil {
		return err
	}
	if *asJSON {
		line, _ := json.Marshal(map[string]any{"d_real": res.DReal, "loss_d": res.LossD, "loss_g": res.LossG, "steps": o.Steps, "loss": o.Loss.String()})
		fmt.Fprintln(stdout, string(line))
	}
	return nil
}

// shortestFloat64 is the float64 nearest to the shortest decimal that reads back as f, so that
// a float32 default shows in -h as written (1e-4 as 0.0001, not 9.999999747378752e-05).
func shortestFloat64(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		panic(err) // FormatFloat's output always parses
	}
	return v
}
