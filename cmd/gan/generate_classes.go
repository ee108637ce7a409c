package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"gogan/generate"
	"gogan/run"
	"gogan/train"
)

// classOptions are gan generate's flags for a class-conditional checkpoint.
type classOptions struct {
	class, classes string
	perClass       int
}

func bindClassFlags(fs *flag.FlagSet, o *classOptions) {
	fs.StringVar(&o.class, "class", "", "conditional checkpoints: make every image of this class (name or index)")
	fs.StringVar(&o.classes, "classes", "", "conditional checkpoints: comma-separated classes, one row of --nrow images each (with --interpolate: the two classes to blend)")
	fs.IntVar(&o.perClass, "per-class", 0, "conditional checkpoints: a grid with one labelled row of this many images per class")
}

func (o classOptions) given() bool { return o.class != "" || o.classes != "" || o.perClass != 0 }

// checkUnconditional refuses class flags for a generator that takes no class.
func checkUnconditional(o generateOptions, what string) error {
	if o.cls.given() {
		return fmt.Errorf("%s is not class-conditional (it was trained without --conditional): --class, --classes and --per-class do not apply", what)
	}
	return nil
}

// classPlan is what a conditional generator is asked for: its inputs, and how the grid reads.
type classPlan struct {
	z        []float32 // (n, nz+classes)
	n, nrow  int
	rowNames []string // one per grid row when the rows are classes; nil otherwise
}

// planClasses turns the class flags into a conditional generator's inputs; without any, a
// grid with one row of --nrow images per class, as the training grids, or with --n, n images
// of the classes in turn.
func planClasses(o generateOptions, nz int, names []string) (classPlan, error) {
	k := len(names)
	if o.latents != "" {
		return classPlan{}, errors.New("--latents is for unconditional generators; a conditional one draws its latents from --seed")
	}
	if (o.cls.class != "") && (o.cls.classes != "" || o.cls.perClass != 0) || o.cls.classes != "" && o.cls.perClass != 0 {
		return classPlan{}, errors.New("give one of --class, --classes and --per-class")
	}
	if o.cls.perClass < 0 || o.cls.perClass > maxImages/k {
		return classPlan{}, fmt.Errorf("--per-class must be 1 to %d for %d classes", maxImages/k, k)
	}
	list, err := parseClassList(o.cls.classes, names)
	if err != nil {
		return classPlan{}, err
	}
	if o.interpolate > 0 {
		return planInterpolation(o, nz, names, list)
	}
	switch {
	case o.cls.class != "":
		c, err := run.ParseClass(o.cls.class, names)
		if err != nil {
			return classPlan{}, err
		}
		labels := make([]int, o.n)
		for i := range labels {
			labels[i] = c
		}
		return classPlan{z: train.Conditioned(train.FixedLatents(o.seed, o.n, nz), labels, k), n: o.n, nrow: o.nrow}, nil
	case list != nil:
		if len(list) > maxImages/o.nrow {
			return classPlan{}, fmt.Errorf("--classes and --nrow ask for more than %d images", maxImages)
		}
		fixed := train.FixedLatents(o.seed, o.nrow, nz)
		n := len(list) * o.nrow
		noise, labels := make([]float32, 0, n*nz), make([]int, n)
		for i := range labels {
			noise = append(noise, fixed[(i%o.nrow)*nz:][:nz]...)
			labels[i] = list[i/o.nrow]
		}
		rows := make([]string, len(list))
		for i, c := range list {
			rows[i] = names[c]
		}
		return classPlan{z: train.Conditioned(noise, labels, k), n: n, nrow: o.nrow, rowNames: rows}, nil
	case o.nGiven && o.cls.perClass == 0:
		labels := make([]int, o.n)
		for i := range labels {
			labels[i] = i % k
		}
		return classPlan{z: train.Conditioned(train.FixedLatents(o.seed, o.n, nz), labels, k), n: o.n, nrow: o.nrow}, nil
	default:
		cols := o.nrow
		if o.cls.perClass > 0 {
			cols = o.cls.perClass
		}
		z, n := train.GridLatents(o.seed, 0, nz, k, cols)
		return classPlan{z: z, n: n, nrow: cols, rowNames: names}, nil
	}
}

// planInterpolation blends two classes at the fixed latent of --seed (--classes a,b), or
// moves between the latents of --seed and --seed+1 within one class (--class).
func planInterpolation(o generateOptions, nz int, names []string, list []int) (classPlan, error) {
	k, steps := len(names), o.interpolate
	z := make([]float32, 0, steps*(nz+k))
	switch {
	case len(list) == 2:
		noise := train.FixedLatents(o.seed, 1, nz)
		for i := 0; i < steps; i++ {
			t := float32(i) / float32(steps-1)
			code := make([]float32, k)
			code[list[0]] += 1 - t
			code[list[1]] += t
			z = append(append(z, noise...), code...)
		}
		return classPlan{z: z, n: steps, nrow: steps, rowNames: []string{names[list[0]] + " → " + names[list[1]]}}, nil
	case o.cls.class != "":
		c, err := run.ParseClass(o.cls.class, names)
		if err != nil {
			return classPlan{}, err
		}
		noise := generate.Interpolate(o.seed, steps, nz)
		labels := make([]int, steps)
		for i := range labels {
			labels[i] = c
		}
		return classPlan{z: train.Conditioned(noise, labels, k), n: steps, nrow: steps, rowNames: []string{names[c]}}, nil
	}
	return classPlan{}, errors.New("--interpolate on a conditional checkpoint needs --classes A,B (blend two classes at one z) or --class C (move between two z within C)")
}

// parseClassList reads --classes; nil when it is empty.
func parseClassList(s string, names []string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(s, ",") {
		c, err := run.ParseClass(part, names)
		if err != nil {
			return nil, fmt.Errorf("--classes: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}
