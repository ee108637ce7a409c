package nntest

import (
	"fmt"
	"math/rand/v2"

	"gogan/nn"
)

// augmentCases check DiffAugment's op with each policy alone and all together, on RGB and
// grey images whose sides differ, so that a swapped row and column would show. The parameters
// are drawn once per case and uploaded before every forward, as they are not differentiated.
func augmentCases() []GradCase {
	policies := []nn.AugmentPolicy{
		{Color: true}, {Translation: true}, {Cutout: true},
		{Color: true, Translation: true, Cutout: true},
	}
	var cases []GradCase
	for i, p := range policies {
		for _, c := range []int{3, 1} {
			n, h, w := 3, 6, 5
			rng := NewRand(uint64(300 + 2*i + c))
			params := make([]float32, n*nn.AugmentValues)
			nn.DrawAugment(params, n, h, w, p, rand.New(rand.NewPCG(uint64(i), uint64(c))))
			cases = append(cases, GradCase{
				Name:    fmt.Sprintf("Augment(%s)_C%d", p, c),
				Args:    []Arg{{Name: "x", Shape: []int{n, c, h, w}, Value: Randn(rng, n*c*h*w, 1)}},
				Out:     []int{n, c, h, w},
				Scratch: [][]int{{n, nn.AugmentValues}},
				Forward: func(g *GradCall) {
					g.B.Upload(g.Scratch[0], params)
					g.B.AugmentForward(g.Out, g.Args[0], g.Scratch[0])
				},
				Backward: func(g *GradCall) {
					if dx := g.Grad(0); dx != nil {
						g.B.AugmentBackward(dx, g.DOut, g.Scratch[0])
					}
				},
				Tol: TolLinearFD,
			})
		}
	}
	return cases
}
