// Package models defines gogan's networks as layer lists, once, for every backend: the DCGAN
// generators and discriminators for 28×28 images (dcgan28, MNIST's size) and for 32, 64, 128
// and 256 pixels (dcgan32 to dcgan256), and the two small MLPs of the one-dimensional
// experiment. Layer indices, and so the state-dict names, are those of a PyTorch
// nn.Sequential of the same layers.
//
// The 32- to 256-pixel networks are one family, built by one definition: G starts from a 4×4
// map and adds a stride-2 transposed convolution (kernel 4, pad 1) per doubling, halving the
// width at each, as the DCGAN paper's generator does; D mirrors it with stride-2
// convolutions. dcgan64 is the paper's network. The widths are capped at 8·ngf (8·ndf): left
// to double, dcgan256's 4×4 stage would have 32·ngf = 2048 channels at ngf 64 and G 45
// million parameters, most of them in the two coarsest layers where the image has 16 pixels;
// the cap keeps 512 channels there, the limit Progressive GAN and StyleGAN use at every
// resolution, and leaves dcgan32 and dcgan64 exactly the paper's networks.
//
// Class-conditional DCGANs (Config.Classes > 0) condition G on a one-hot class concatenated
// to z and judge with a projection discriminator (Miyato & Koyama 2018):
//
//   - G's input is (z, onehot(y)), NZ+K channels of 1×1. The first transposed convolution's
//     weights for the K one-hot channels are then a learned class embedding, a 4×4 map per
//     class added to the first layer's output, so the label embedding concatenated to z that
//     conditional DCGANs use costs no layer of its own and trains through the existing ops.
//     Conditional BatchNorm, the paper's choice for its ResNet generator, would need per-class
//     BatchNorm parameters in every layer for little gain at DCGAN's scale.
//   - D ends in nn.Projection: its logit is ⟨φ(x), w⟩ + ⟨φ(x), embed(y)⟩ over the last
//     features φ(x). The paper shows projection beats concatenating y to D's input or
//     hidden layers (the AC-GAN and cGAN designs) in both quality and class fidelity, and it
//     leaves D's unconditional part, and its state-dict names, as DCGAN's.
package models

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"gogan/nn"
)

// Config sizes a DCGAN: latent size NZ, generator and discriminator widths NGF and NDF,
// image channels NC.
type Config struct {
	Arch         string // dcgan28, dcgan32, dcgan64, dcgan128 or dcgan256
	NZ, NGF, NDF int
	NC           int
	Classes      int // classes of a conditional GAN; 0 for an unconditional one
}

// maxClasses bounds a conditional GAN's classes, so that a corrupt configuration is refused
// before its embedding is allocated.
const maxClasses = 10000

// Spec is a network definition: the per-sample input shape and the layers.
type Spec struct {
	Name   string
	In     nn.Shape
	Layers []nn.Layer
}

// Archs lists the DCGAN architectures with their image size.
var Archs = map[string]int{"dcgan28": 28, "dcgan32": 32, "dcgan64": 64, "dcgan128": 128, "dcgan256": 256}

// ArchNames lists the architectures by image size, for help texts and errors.
const ArchNames = "dcgan28, dcgan32, dcgan64, dcgan128 or dcgan256"

// ImageSizes lists the image sizes the architectures make, ascending, for help texts.
const ImageSizes = "28, 32, 64, 128 or 256"

// LargestImageSize is the side of the largest architecture's images: larger data is resized
// to it when the architecture is chosen from the data.
const LargestImageSize = 256

// ArchForImageSize picks the architecture for square images of the given size.
func ArchForImageSize(size int) (string, error) {
	for name, s := range Archs {
		if s == size {
			return name, nil
		}
	}
	return "", fmt.Errorf("no architecture for %d×%d images (they make %s pixels; resize with --image-size)", size, size, ImageSizes)
}

// SortedImageSizes lists the image sizes of the architectures, ascending.
func SortedImageSizes() []int {
	sizes := make([]int, 0, len(Archs))
	for _, s := range Archs {
		sizes = append(sizes, s)
	}
	slices.Sort(sizes)
	return sizes
}

// familyStages is the number of stride-2 stages of a family architecture (32 to 256 pixels):
// its image side is 4·2^stages. It is 0 for dcgan28, which is not of the family.
func familyStages(arch string) int {
	switch arch {
	case "dcgan32":
		return 3
	case "dcgan64":
		return 4
	case "dcgan128":
		return 5
	case "dcgan256":
		return 6
	}
	return 0
}

// maxWidthFactor caps the family's widths at 8·ngf and 8·ndf; see the package doc.
const maxWidthFactor = 8

// widthFactor is the width, in ngf or ndf, of the feature maps i stages from the image:
// 1, 2, 4, 8, 8, ...
func widthFactor(i int) int { return min(1<<i, maxWidthFactor) }

// Bounds of a configuration: generous beyond any trainable network, they keep the products
// of sizes in the layer plans far from overflowing; memory estimates refuse what is merely
// too large for the machine.
const (
	MaxNZ    = 1 << 16
	MaxWidth = 1 << 14
)

// Validate checks the configuration.
func (c Config) Validate() error {
	if _, ok := Archs[c.Arch]; !ok {
		return fmt.Errorf("unknown architecture %q (want %s)", c.Arch, ArchNames)
	}
	if c.NZ < 1 || c.NGF < 1 || c.NDF < 1 || c.NC < 1 {
		return fmt.Errorf("nz, ngf, ndf and nc must be positive; got %d, %d, %d, %d", c.NZ, c.NGF, c.NDF, c.NC)
	}
	for _, f := range []struct {
		name       string
		value, max int
	}{{"nz", c.NZ, MaxNZ}, {"ngf", c.NGF, MaxWidth}, {"ndf", c.NDF, MaxWidth}, {"nc", c.NC, 3}} {
		if f.value > f.max {
			return fmt.Errorf("%s %d is more than the %d allowed", f.name, f.value, f.max)
		}
	}
	if c.Classes < 0 || c.Classes > maxClasses || c.Classes == 1 {
		return fmt.Errorf("a conditional GAN needs 2 to %d classes, not %d", maxClasses, c.Classes)
	}
	return nil
}

// ImageSize is the side of the square images the architecture makes.
func (c Config) ImageSize() int { return Archs[c.Arch] }

func convT(in, out, k, s, p int) nn.Layer {
	return &nn.ConvTranspose2d{In: in, Out: out, ConvParams: nn.ConvParams{Kernel: k, Stride: s, Pad: p}}
}

func conv(in, out, k, s, p int) nn.Layer {
	return &nn.Conv2d{In: in, Out: out, ConvParams: nn.ConvParams{Kernel: k, Stride: s, Pad: p}}
}

func bn(c int) nn.Layer { return &nn.BatchNorm{Channels: c} }

// Generator returns G: z (N, NZ, 1, 1) → images (N, NC, S, S) in [−1, 1].
func Generator(c Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, err
	}
	g := c.NGF
	var ls []nn.Layer
	switch c.Arch {
	case "dcgan28":
		ls = []nn.Layer{
			convT(c.NZ, 4*g, 4, 1, 0), bn(4 * g), nn.NewReLU(), // 4×4
			convT(4*g, 2*g, 3, 2, 1), bn(2 * g), nn.NewReLU(), // 7×7
			convT(2*g, g, 4, 2, 1), bn(g), nn.NewReLU(), // 14×14
			convT(g, c.NC, 4, 2, 1), nn.NewTanh(), // 28×28
		}
	default:
		// dcgan64: 8g at 4×4, 4g at 8×8, 2g at 16×16, g at 32×32, NC at 64×64.
		k := familyStages(c.Arch)
		ls = []nn.Layer{convT(c.NZ, widthFactor(k-1)*g, 4, 1, 0), bn(widthFactor(k-1) * g), nn.NewReLU()} // 4×4
		for i := k - 1; i >= 1; i-- {
			in, out := widthFactor(i)*g, widthFactor(i-1)*g
			ls = append(ls, convT(in, out, 4, 2, 1), bn(out), nn.NewReLU()) // side doubles
		}
		ls = append(ls, convT(g, c.NC, 4, 2, 1), nn.NewTanh()) // the image
	}
	ls[0] = convT(c.NZ+c.Classes, ls[0].(*nn.ConvTranspose2d).Out, 4, 1, 0)
	return Spec{Name: c.Arch + " generator", In: nn.Shape{c.NZ + c.Classes, 1, 1}, Layers: ls}, nil
}

// Discriminator returns D: images (N, NC, S, S) → one logit per image (N, 1).
func Discriminator(c Config) (Spec, error) {
	if err := c.Validate(); err != nil {
		return Spec{}, err
	}
	d := c.NDF
	lrelu := func() nn.Layer { return nn.NewLeakyReLU(0.2) }
	var ls []nn.Layer
	switch c.Arch {
	case "dcgan28":
		ls = []nn.Layer{
			conv(c.NC, d, 4, 2, 1), lrelu(), // 14×14
			conv(d, 2*d, 4, 2, 1), bn(2 * d), lrelu(), // 7×7
			conv(2*d, 4*d, 4, 2, 1), bn(4 * d), lrelu(), // 3×3
			conv(4*d, 1, 3, 1, 0), // 1×1
		}
	default:
		// dcgan64: d at 32×32, 2d at 16×16, 4d at 8×8, 8d at 4×4, then one logit.
		k := familyStages(c.Arch)
		ls = []nn.Layer{conv(c.NC, d, 4, 2, 1), lrelu()} // no BatchNorm on the image, as in DCGAN
		for i := 1; i < k; i++ {
			in, out := widthFactor(i-1)*d, widthFactor(i)*d
			ls = append(ls, conv(in, out, 4, 2, 1), bn(out), lrelu()) // side halves
		}
		ls = append(ls, conv(widthFactor(k-1)*d, 1, 4, 1, 0)) // 4×4 → 1×1
	}
	if c.Classes > 0 {
		// The last convolution covers its whole input: the projection's unconditional
		// term is that convolution, with the same weight shape and name.
		ls[len(ls)-1] = &nn.Projection{Classes: c.Classes}
	} else {
		// The trailing Flatten holds no parameters, so state-dict names stay PyTorch's.
		ls = append(ls, nn.NewFlatten())
	}
	s := Archs[c.Arch]
	return Spec{Name: c.Arch + " discriminator", In: nn.Shape{c.NC, s, s}, Layers: ls}, nil
}

// ToyGenerator and ToyDiscriminator are the MLPs of the one-dimensional experiment:
// G 5 → 128 → ReLU → 15 and D 15 → 128 → ReLU → 1 (a logit; the sigmoid is in the loss).
func ToyGenerator() Spec {
	return Spec{Name: "toy generator", In: nn.Shape{5}, Layers: []nn.Layer{
		&nn.Linear{In: 5, Out: 128, Bias: true}, nn.NewReLU(), &nn.Linear{In: 128, Out: 15, Bias: true}}}
}

// ToyDiscriminator: see ToyGenerator.
func ToyDiscriminator() Spec {
	return Spec{Name: "toy discriminator", In: nn.Shape{15}, Layers: []nn.Layer{
		&nn.Linear{In: 15, Out: 128, Bias: true}, nn.NewReLU(), &nn.Linear{In: 128, Out: 1, Bias: true}}}
}

// Build allocates a network for a spec on a backend, for batches of up to capacity samples,
// with PyTorch's default initialisation drawn from rng.
func Build(b nn.Backend, s Spec, capacity int, rng *rand.Rand) (*nn.Network, error) {
	net, err := nn.NewNetwork(b, s.In, capacity, rng, s.Layers...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Name, err)
	}
	return net, nil
}

// InitDCGAN applies the initialisation of Radford et al.: convolution and transposed
// convolution weights from N(0, 0.02), BatchNorm weights from N(1, 0.02) and biases 0.
func InitDCGAN(net *nn.Network, rng *rand.Rand) {
	net.InitNormal(rng, func(l nn.Layer, s nn.ParamSpec) (float64, float64, bool) {
		switch l.(type) {
		case *nn.Conv2d, *nn.ConvTranspose2d:
			if s.Name == "weight" {
				return 0, 0.02, true
			}
			return 0, 0, true
		case *nn.BatchNorm:
			if s.Name == "weight" {
				return 1, 0.02, true
			}
			return 0, 0, true
		case *nn.Projection:
			// The class embedding starts as small as the weight, so that D starts close to
			// the unconditional DCGAN's.
			return 0, 0.02, true
		}
		return 0, 0, false
	})
}
