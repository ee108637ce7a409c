"""Write the PyTorch golden files that gogan's Go tests compare against.

Writes, under --out (default scripts/golden):
  dcgan28_step.safetensors  one small dcgan28 training step, then 9 more (float32)
  losses.safetensors        GAN loss terms and their gradients (float64)
  layers.safetensors        single-layer forwards and backwards (float64)

The output is deterministic: a rerun writes the same bytes. See
scripts/golden/README.md for the tensors in each file.
"""

import argparse
import copy
import os
import sys

import torch
from torch import nn
import torch.nn.functional as F

import models
import safetensors_io

# The small dcgan28 the step golden uses; small enough to keep the file well
# under 1 MB, large enough to exercise every layer with several channels.
NZ, NGF, NDF, NC = 8, 8, 8, 1
BATCH = 4
STEPS = 10
SEED = 0

LEAKY_SLOPE = 0.2
BN_EPS = 1e-5
BN_MOMENTUM = 0.1


def state(prefix, net):
    """``net``'s state dict as prefixed float tensors, without num_batches_tracked.

    gogan does not store the counter: with a fixed momentum PyTorch never reads it.
    """
    return {
        f"{prefix}.{k}": v.detach().clone()
        for k, v in net.state_dict().items()
        if not k.endswith("num_batches_tracked")
    }


def prefixed(prefix, tensors):
    """``tensors`` with every name prefixed by ``prefix.``."""
    return {f"{prefix}.{k}": v for k, v in tensors.items()}


def dcgan28_step():
    """Run the dcgan28 golden training; return (tensors, metadata)."""
    torch.manual_seed(SEED)
    g = models.generator("dcgan28", NZ, NGF, NC)
    d = models.discriminator("dcgan28", NDF, NC)
    g.apply(models.dcgan_init)
    d.apply(models.dcgan_init)
    opt_g, opt_d = models.adam(g), models.adam(d)
    steps_z = torch.randn(STEPS, BATCH, NZ, 1, 1)
    # tanh of a normal draw: real-looking values spread over (-1, 1).
    steps_real = torch.tanh(torch.randn(STEPS, BATCH, NC, 28, 28))

    out = {}
    out.update(state("G", g))
    out.update(state("D", d))
    out["z"] = steps_z[0].clone()
    out["real"] = steps_real[0].clone()

    record = {}
    losses = [models.train_step(g, d, opt_g, opt_d, steps_real[0], steps_z[0], record)]
    for key in ("fake", "d_real_logits", "d_fake_logits", "g_logits"):
        out[key] = record[key]
    for key in ("loss_d_real", "loss_d_fake", "loss_g"):
        out[key] = record[key]
    out.update(prefixed("grad.D", record["grad.D"]))
    out.update(prefixed("grad.G", record["grad.G"]))
    out.update(state("after.G", g))
    out.update(state("after.D", d))

    for i in range(1, STEPS):
        losses.append(models.train_step(g, d, opt_g, opt_d, steps_real[i], steps_z[i]))
    out["steps.z"] = steps_z
    out["steps.real"] = steps_real
    out["steps.losses"] = torch.stack(losses)
    out.update(state("final.G", g))
    out.update(state("final.D", d))

    g.eval()
    with torch.no_grad():
        out["eval_fake"] = g(steps_z[0])

    metadata = {
        "arch": "dcgan28",
        "nz": NZ,
        "ngf": NGF,
        "ndf": NDF,
        "nc": NC,
        "batch": BATCH,
        "steps": STEPS,
        "seed": SEED,
        "lr": models.LR,
        "betas": f"{models.BETAS[0]},{models.BETAS[1]}",
        "eps": models.EPS,
        "bn_eps": BN_EPS,
        "bn_momentum": BN_MOMENTUM,
        "leaky_slope": LEAKY_SLOPE,
        "torch_version": torch.__version__,
    }
    return out, metadata


# Logits for the loss golden, see losses().
LOGITS = [-30, -20, -12, -7, -3.5, -1.5, -0.7, -0.25, 0.1, 0.4, 0.9, 1.6, 3, 5.5, 11, 30]

# The loss terms gogan composes its GAN losses from, by golden name.
LOSS_TERMS = {
    "softplus_neg": lambda x: F.softplus(-x),
    "softplus": F.softplus,
    "neg_softplus": lambda x: -F.softplus(x),
    "square_one": lambda x: 0.5 * (x - 1) ** 2,
    "square_zero": lambda x: 0.5 * x**2,
    "hinge_one": lambda x: F.relu(1 - x),
    "hinge_neg_one": lambda x: F.relu(1 + x),
    "neg": lambda x: -x,
    "identity": lambda x: x,
}


def losses():
    """Mean of each loss term over 16 logits and its gradient; return (tensors, metadata).

    The logits reach the saturated tails of softplus at -30 and 30, crowd
    into its curved middle, and never sit on a kink of the hinge terms (at -1
    and 1). They are deliberately asymmetric: a symmetric set would give the
    `neg` and `identity` terms a mean of 0 and softplus(x) and softplus(-x)
    the same mean, which a sign error could match.
    """
    x0 = torch.tensor(LOGITS, dtype=torch.float64)
    out = {"logits": x0}
    for name, term in LOSS_TERMS.items():
        x = x0.clone().requires_grad_(True)
        value = term(x).mean()
        value.backward()
        out[f"value.{name}"] = value.detach().reshape(1)
        out[f"grad.{name}"] = x.grad
    return out, {"reduction": "mean", "torch_version": torch.__version__}


def run_layer(name, layer, x, extra_out=None):
    """Forward ``x`` through ``layer``, backward a random ``dout``; return the named tensors.

    Parameters come first (weight, bias), then x, dout, out, dx and the
    parameter gradients (dweight, dbias). ``extra_out`` maps names to
    callables run after the forward, for state such as running statistics.
    """
    out = {}
    params = dict(layer.named_parameters())
    for pname, p in params.items():
        out[f"{name}.{pname}"] = p.detach().clone()
    x = x.clone().requires_grad_(True)
    y = layer(x)
    dout = torch.randn_like(y)
    y.backward(dout)
    out[f"{name}.x"] = x.detach()
    out[f"{name}.dout"] = dout
    out[f"{name}.out"] = y.detach()
    out[f"{name}.dx"] = x.grad
    for pname, p in params.items():
        out[f"{name}.d{pname}"] = p.grad
    for key, fn in (extra_out or {}).items():
        out[f"{name}.{key}"] = fn()
    return out


def randomise(layer):
    """Give every parameter of ``layer`` a N(0, 1) value, so that no term is trivially 0 or 1."""
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn_like(p))
    return layer


def batchnorm(name, layer, x):
    """Run a training-mode BatchNorm from random running statistics.

    The starting statistics are stored as running_mean_in/running_var_in and
    the updated ones as running_mean/running_var, so that both the momentum
    update and the unbiased variance are checked.
    """
    randomise(layer)
    with torch.no_grad():
        layer.running_mean.copy_(torch.randn_like(layer.running_mean))
        layer.running_var.copy_(torch.rand_like(layer.running_var) + 0.5)
    before = {
        f"{name}.running_mean_in": layer.running_mean.clone(),
        f"{name}.running_var_in": layer.running_var.clone(),
    }
    layer.train()
    after = run_layer(
        name,
        layer,
        x,
        {
            "running_mean": lambda: layer.running_mean.clone(),
            "running_var": lambda: layer.running_var.clone(),
        },
    )
    return {**before, **after}


def layers():
    """Single-layer forward and backward references in float64; return (tensors, metadata)."""
    torch.manual_seed(SEED)
    f64 = torch.float64
    out = {}
    out.update(
        run_layer(
            "conv2d",
            randomise(nn.Conv2d(3, 4, 3, stride=2, padding=1, bias=True).to(f64)),
            torch.randn(2, 3, 7, 6, dtype=f64),
        )
    )
    out.update(
        run_layer(
            "conv_transpose2d",
            randomise(
                nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, output_padding=1, bias=True).to(f64)
            ),
            torch.randn(2, 3, 4, 5, dtype=f64),
        )
    )
    out.update(
        batchnorm(
            "batchnorm2d",
            nn.BatchNorm2d(4, eps=BN_EPS, momentum=BN_MOMENTUM).to(f64),
            torch.randn(3, 4, 3, 2, dtype=f64),
        )
    )
    out.update(
        batchnorm(
            "batchnorm1d",
            nn.BatchNorm1d(3, eps=BN_EPS, momentum=BN_MOMENTUM).to(f64),
            torch.randn(5, 3, dtype=f64),
        )
    )
    out.update(
        run_layer("linear", randomise(nn.Linear(5, 4).to(f64)), torch.randn(3, 5, dtype=f64))
    )
    for name, layer in (
        ("leaky_relu", nn.LeakyReLU(LEAKY_SLOPE)),
        ("tanh", nn.Tanh()),
        ("sigmoid", nn.Sigmoid()),
        ("relu", nn.ReLU()),
    ):
        out.update(run_layer(name, layer, torch.randn(2, 3, 4, 5, dtype=f64)))
    metadata = {
        "conv2d": "Conv2d(3, 4, kernel 3, stride 2, padding 1, bias)",
        "conv_transpose2d": "ConvTranspose2d(3, 2, kernel 4, stride 2, padding 1, output_padding 1, bias)",
        "batchnorm2d": f"BatchNorm2d(4, eps {BN_EPS}, momentum {BN_MOMENTUM}), training mode",
        "batchnorm1d": f"BatchNorm1d(3, eps {BN_EPS}, momentum {BN_MOMENTUM}), training mode",
        "linear": "Linear(5, 4, bias)",
        "leaky_relu": f"LeakyReLU({LEAKY_SLOPE})",
        "seed": SEED,
        "torch_version": torch.__version__,
    }
    return out, metadata


def write(path, tensors, metadata):
    """Save one golden file and read it back to prove it round-trips."""
    safetensors_io.save(path, tensors, metadata)
    back, _ = safetensors_io.load(path)
    assert list(back) == list(tensors), f"{path}: tensor names changed on reload"
    for name, value in tensors.items():
        assert (back[name] == value.detach().numpy()).all(), f"{path}: {name} changed on reload"
    print(f"wrote {path}: {len(tensors)} tensors, {os.path.getsize(path)} bytes")


def main(argv=None):
    """Parse flags and write the three golden files."""
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", default=os.path.join(here, "golden"), help="output folder (default %(default)s)"
    )
    args = parser.parse_args(argv)
    # One thread fixes the order of every floating-point reduction, which is
    # what makes reruns byte-identical on any machine with this torch build.
    torch.set_num_threads(1)
    models.check_param_counts()
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "dcgan28_step.safetensors"), *dcgan28_step())
    write(os.path.join(args.out, "losses.safetensors"), *losses())
    write(os.path.join(args.out, "layers.safetensors"), *layers())
    return 0


if __name__ == "__main__":
    sys.exit(main())
