"""gogan's DCGAN models in PyTorch, the reference the Go engine is checked against.

Each network is an ``nn.Sequential`` of exactly the layers gogan builds, in the
same order, so state-dict keys (``0.weight``, ``1.running_mean``, ...) and
weight layouts match gogan's checkpoints one for one. Convolutions carry no
bias because every one of them is followed by BatchNorm or is the last layer of
a DCGAN, as in Radford et al.
"""

import torch
from torch import nn
import torch.nn.functional as F

ARCHS = ("dcgan28", "dcgan32", "dcgan64", "dcgan128", "dcgan256")

# Image side per architecture.
IMAGE_SIZE = {"dcgan28": 28, "dcgan32": 32, "dcgan64": 64, "dcgan128": 128, "dcgan256": 256}

# Stride-2 stages of the 32- to 256-pixel family: the image side is 4 * 2**stages.
STAGES = {"dcgan32": 3, "dcgan64": 4, "dcgan128": 5, "dcgan256": 6}

# The family's widths are capped at 8 ngf (8 ndf), as in gogan's models package.
MAX_WIDTH_FACTOR = 8

# Parameter counts at nz 100, ngf = ndf = 64, nc 1: a cheap guard that the
# layer list has not drifted from the Go models.
PARAM_COUNTS = {
    "dcgan28": (837_504, 659_456),
    "dcgan64": (3_574_656, 2_763_520),
    "dcgan32": (1_066_880, 661_248),
    "dcgan128": (7_769_984, 6_958_848),
    "dcgan256": (11_965_312, 11_154_176),
}

# Adam settings of the PyTorch DCGAN example, used by gogan too.
LR = 2e-4
BETAS = (0.5, 0.999)
EPS = 1e-8


def _up(cin, cout, k, s, p, last=False):
    """Transposed convolution followed by BN + ReLU, or by Tanh when last."""
    conv = nn.ConvTranspose2d(cin, cout, k, s, p, bias=False)
    if last:
        return [conv, nn.Tanh()]
    return [conv, nn.BatchNorm2d(cout), nn.ReLU()]


def _down(cin, cout, k, s, p, bn=True):
    """Convolution followed by (optionally) BN and LeakyReLU(0.2)."""
    layers = [nn.Conv2d(cin, cout, k, s, p, bias=False)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.LeakyReLU(0.2))
    return layers


def _width(i):
    """Width, in ngf or ndf, of the feature maps i stages from the image: 1, 2, 4, 8, 8, ..."""
    return min(2**i, MAX_WIDTH_FACTOR)


def generator(arch, nz, ngf, nc):
    """Build G for ``arch``: z (N, nz, 1, 1) -> image (N, nc, S, S) in [-1, 1]."""
    if arch == "dcgan28":
        layers = (
            _up(nz, 4 * ngf, 4, 1, 0)  # (N, 4ngf, 4, 4)
            + _up(4 * ngf, 2 * ngf, 3, 2, 1)  # (N, 2ngf, 7, 7)
            + _up(2 * ngf, ngf, 4, 2, 1)  # (N, ngf, 14, 14)
            + _up(ngf, nc, 4, 2, 1, last=True)  # (N, nc, 28, 28)
        )
    elif arch in STAGES:
        # dcgan64: 8ngf at 4x4, 4ngf at 8x8, 2ngf at 16x16, ngf at 32x32, nc at 64x64.
        k = STAGES[arch]
        layers = _up(nz, _width(k - 1) * ngf, 4, 1, 0)  # (N, ., 4, 4)
        for i in range(k - 1, 0, -1):
            layers += _up(_width(i) * ngf, _width(i - 1) * ngf, 4, 2, 1)  # the side doubles
        layers += _up(ngf, nc, 4, 2, 1, last=True)  # (N, nc, S, S)
    else:
        raise ValueError(f"unknown architecture {arch!r} (want one of {', '.join(ARCHS)})")
    return nn.Sequential(*layers)


def discriminator(arch, ndf, nc):
    """Build D for ``arch``: image (N, nc, S, S) -> logits (N, 1, 1, 1).

    Use :func:`logits` to flatten the output to one logit per image.
    """
    if arch == "dcgan28":
        layers = (
            _down(nc, ndf, 4, 2, 1, bn=False)  # (N, ndf, 14, 14)
            + _down(ndf, 2 * ndf, 4, 2, 1)  # (N, 2ndf, 7, 7)
            + _down(2 * ndf, 4 * ndf, 4, 2, 1)  # (N, 4ndf, 3, 3)
            + [nn.Conv2d(4 * ndf, 1, 3, 1, 0, bias=False)]  # (N, 1, 1, 1)
        )
    elif arch in STAGES:
        # dcgan64: ndf at 32x32, 2ndf at 16x16, 4ndf at 8x8, 8ndf at 4x4, then one logit.
        k = STAGES[arch]
        layers = _down(nc, ndf, 4, 2, 1, bn=False)  # (N, ndf, S/2, S/2)
        for i in range(1, k):
            layers += _down(_width(i - 1) * ndf, _width(i) * ndf, 4, 2, 1)  # the side halves
        layers += [nn.Conv2d(_width(k - 1) * ndf, 1, 4, 1, 0, bias=False)]  # (N, 1, 1, 1)
    else:
        raise ValueError(f"unknown architecture {arch!r} (want one of {', '.join(ARCHS)})")
    return nn.Sequential(*layers)


class Projection(nn.Module):
    """gogan's nn.Projection: the projection discriminator's output (Miyato & Koyama 2018).

    logit = <phi(x), weight> + <phi(x), embed(y)> over the flattened features phi(x). The
    weight keeps the shape of the DCGAN discriminator's last convolution, whose kernel covers
    its whole input, so the unconditional part is that convolution.
    """

    def __init__(self, channels, side, classes):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(1, channels, side, side))
        self.embed = nn.Embedding(classes, channels * side * side)

    def forward(self, x, y):
        f = x.flatten(1)
        return (f * (self.weight.flatten(1) + self.embed(y))).sum(1)


class ConditionalD(nn.Sequential):
    """A DCGAN discriminator whose last layer is a Projection on the labels ``y``."""

    def forward(self, x, y):
        for layer in list(self)[:-1]:
            x = layer(x)
        return self[-1](x, y)


def conditional_generator(arch, nz, ngf, nc, classes):
    """G of a conditional DCGAN: its input is z (N, nz, 1, 1) joined to one_hot(y) (N, classes, 1, 1)."""
    return generator(arch, nz + classes, ngf, nc)


def conditional_discriminator(arch, ndf, nc, classes):
    """D of a conditional DCGAN: the DCGAN discriminator with a Projection for its last convolution."""
    layers = list(discriminator(arch, ndf, nc))
    last = layers[-1]
    side = 3 if arch == "dcgan28" else 4
    layers[-1] = Projection(last.in_channels, side, classes)
    return ConditionalD(*layers)


def join_classes(z, y, classes):
    """G's conditional input: z (N, nz, 1, 1) followed by the one-hot classes of y."""
    onehot = F.one_hot(y, classes).to(z.dtype).reshape(y.shape[0], classes, 1, 1)
    return torch.cat([z, onehot], dim=1)


def dcgan_init(module):
    """Apply the DCGAN initialisation; use as ``net.apply(dcgan_init)``.

    Conv and transposed-conv weights ~ N(0, 0.02); BatchNorm weight ~ N(1, 0.02)
    and bias 0. The draws follow module order, so a fixed seed fixes the weights.
    """
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, Projection):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.normal_(module.embed.weight, 0.0, 0.02)


def count_params(net):
    """Number of trainable scalars in ``net``."""
    return sum(p.numel() for p in net.parameters())


def check_param_counts():
    """Raise AssertionError if a model's size differs from gogan's at nz 100, 64 filters, 1 channel."""
    for arch, (want_g, want_d) in PARAM_COUNTS.items():
        got_g = count_params(generator(arch, 100, 64, 1))
        got_d = count_params(discriminator(arch, 64, 1))
        assert (got_g, got_d) == (want_g, want_d), (
            f"{arch}: G has {got_g} and D {got_d} parameters, want {want_g} and {want_d}"
        )


def logits(d, x, labels=None):
    """Run D on ``x`` (and the classes ``labels`` for a conditional D); one logit per image, (N,)."""
    if labels is None:
        return d(x).reshape(-1)
    return d(x, labels).reshape(-1)


def adam(net):
    """Adam with the DCGAN settings for ``net``'s parameters."""
    return torch.optim.Adam(net.parameters(), lr=LR, betas=BETAS, eps=EPS)


def dcgan(arch, nz, ngf, ndf, nc, device):
    """A DCGAN-initialised G and D on ``device``, with their Adam optimisers."""
    g, d = generator(arch, nz, ngf, nc), discriminator(arch, ndf, nc)
    g.apply(dcgan_init)
    d.apply(dcgan_init)
    g.to(device)
    d.to(device)
    return g, d, adam(g), adam(d)


def train_step(g, d, opt_g, opt_d, real, z, record=None, labels=None):
    """One DCGAN step: D on real then fake, then G with the non-saturating loss.

    This is the PyTorch DCGAN example's step with logits and BCE-with-logits
    (mean reduction). D stays in train mode, so its BatchNorm running statistics
    update three times per step. If ``record`` is a dict, the intermediate
    values the golden files need are stored in it: logits, losses, the fake
    batch, and clones of both networks' gradients taken before each optimiser
    step.

    For a conditional GAN, ``labels`` are the real batch's classes, which D judges both
    batches with; ``z`` then already holds them as one-hot codes (see join_classes).

    Returns a detached tensor of 4 values: loss_d_real + loss_d_fake, loss_g,
    mean D(real) and mean D(fake), D(.) being the sigmoid of the D-step logits.
    It stays on the device so that timing loops are not forced to synchronise.
    """
    n = real.shape[0]
    ones = torch.ones(n, dtype=real.dtype, device=real.device)
    zeros = torch.zeros(n, dtype=real.dtype, device=real.device)

    opt_d.zero_grad()
    out_r = logits(d, real, labels)
    loss_d_real = F.binary_cross_entropy_with_logits(out_r, ones)
    loss_d_real.backward()
    fake = g(z)
    out_f = logits(d, fake.detach(), labels)
    loss_d_fake = F.binary_cross_entropy_with_logits(out_f, zeros)
    loss_d_fake.backward()
    if record is not None:
        record["grad.D"] = {k: p.grad.detach().clone() for k, p in d.named_parameters()}
    opt_d.step()

    opt_g.zero_grad()
    out_g = logits(d, fake, labels)
    loss_g = F.binary_cross_entropy_with_logits(out_g, ones)
    loss_g.backward()
    if record is not None:
        record["grad.G"] = {k: p.grad.detach().clone() for k, p in g.named_parameters()}
    opt_g.step()

    if record is not None:
        record.update(
            fake=fake.detach().clone(),
            d_real_logits=out_r.detach().clone(),
            d_fake_logits=out_f.detach().clone(),
            g_logits=out_g.detach().clone(),
            loss_d_real=loss_d_real.detach().reshape(1).clone(),
            loss_d_fake=loss_d_fake.detach().reshape(1).clone(),
            loss_g=loss_g.detach().reshape(1).clone(),
        )
    with torch.no_grad():
        return torch.stack(
            [
                loss_d_real + loss_d_fake,
                loss_g,
                torch.sigmoid(out_r).mean(),
                torch.sigmoid(out_f).mean(),
            ]
        )
