package main

import (
	"encoding/json"
	"fmt"
	"io"

	"gogan/bench"
)

func init() {
	register("bench", "time full training steps on synthetic data", runBench)
}

func runBench(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	arch := fs.String("arch", "dcgan28", "dcgan28 or dcgan64")
	batch := fs.Int("batch-size", 64, "images per batch")
	steps := fs.Int("steps", 20, "timed steps")
	warmup := fs.Int("warmup", 3, "untimed steps first")
	device := fs.String("device", defaultDevice, "cpu or cuda")
	graphs := fs.Bool("cuda-graph", true, "on the GPU, replay the step recorded as a CUDA graph")
	tf32 := fs.Bool("tf32", false, "on the GPU, let cuBLAS use TensorFloat-32 tensor cores (a 10-bit mantissa in the products, as PyTorch's convolutions use by default)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tf32 && *device != "cuda" {
		return fmt.Errorf("--tf32 is for --device cuda; the %s backend computes in float32", *device)
	}
	b, err := newBackendTF32(*device, *tf32)
	if err != nil {
		return err
	}
	res, err := bench.Run(b, *arch, *batch, *steps, *warmup, *graphs)
	if err != nil {
		return err
	}
	res.TF32 = *tf32 && res.Device == "cuda"
	if *asJSON {
		line, _ := json.Marshal(res)
		fmt.Fprintln(stdout, string(line))
		return nil
	}
	fmt.Fprintf(stdout, "%s batch %d on %s: %.1f ms/step, %.1f images/s (%d steps)\n", res.Arch, res.BatchSize, res.Device, res.MsPerStep, res.ImagesPerS, res.Steps)
	return nil
}
