"""Write the PyTorch golden file of a class-conditional DCGAN step and its weight average.

Writes scripts/golden/cdcgan28_step.safetensors (see scripts/golden/README.md): a small
conditional dcgan28 (one-hot classes joined to z in G, a projection discriminator), one
training step with its gradients, ten steps with a moving average of G's weights, the
average's recomputed BatchNorm statistics, and a float64 forward and backward of the
projection layer alone. The output is deterministic: a rerun writes the same bytes.
"""

import argparse
import copy
import os
import sys

import torch

import models
from golden_dcgan28 import prefixed, state, write

NZ, NGF, NDF, NC, CLASSES = 8, 8, 8, 1, 3
BATCH = 4
STEPS = 10
SEED = 0
EMA_DECAY = 0.999
STAT_BATCHES = 2


def ema_decay(step):
    """The average's decay after generator step ``step`` (from 1): gogan's warm-up."""
    return min(EMA_DECAY, (1 + step) / (10 + step))


def recompute_batchnorm(net, inputs):
    """Standing statistics: reset, then the exact mean over ``inputs`` batches (momentum None)."""
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None
    net.train()
    with torch.no_grad():
        for x in inputs:
            net(x)


def conditional_step():
    """Run the conditional golden training; return (tensors, metadata)."""
    torch.manual_seed(SEED)
    g = models.conditional_generator("dcgan28", NZ, NGF, NC, CLASSES)
    d = models.conditional_discriminator("dcgan28", NDF, NC, CLASSES)
    g.apply(models.dcgan_init)
    d.apply(models.dcgan_init)
    opt_g, opt_d = models.adam(g), models.adam(d)
    steps_z = torch.randn(STEPS, BATCH, NZ, 1, 1)
    steps_y = torch.randint(0, CLASSES, (STEPS, BATCH))
    steps_real = torch.tanh(torch.randn(STEPS, BATCH, NC, 28, 28))
    ema = copy.deepcopy(g)

    out = {}
    out.update(state("G", g))
    out.update(state("D", d))
    record = {}
    losses = []
    for i in range(STEPS):
        zy = models.join_classes(steps_z[i], steps_y[i], CLASSES)
        losses.append(
            models.train_step(g, d, opt_g, opt_d, steps_real[i], zy, record if i == 0 else None, steps_y[i])
        )
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), g.parameters()):
                pe.lerp_(p, 1 - ema_decay(i + 1))
        if i == 0:
            for key in ("fake", "d_real_logits", "d_fake_logits", "g_logits", "loss_d_real", "loss_d_fake", "loss_g"):
                out[key] = record[key]
            out.update(prefixed("grad.D", record["grad.D"]))
            out.update(prefixed("grad.G", record["grad.G"]))
            out.update(state("after.G", g))
            out.update(state("after.D", d))
    out["steps.z"] = steps_z
    out["steps.labels"] = steps_y.to(torch.float32)
    out["steps.real"] = steps_real
    out["steps.losses"] = torch.stack(losses)
    out.update(state("final.G", g))
    out.update(state("final.D", d))
    out.update({f"final.ema.{k}": v.detach().clone() for k, v in ema.named_parameters()})

    stat_z = torch.randn(STAT_BATCHES, BATCH, NZ, 1, 1)
    stat_y = torch.randint(0, CLASSES, (STAT_BATCHES, BATCH))
    stat_in = torch.stack([models.join_classes(stat_z[i], stat_y[i], CLASSES) for i in range(STAT_BATCHES)])
    recompute_batchnorm(ema, stat_in)
    out["ema.stat_inputs"] = stat_in
    out.update({f"ema.stats.{k}": v.clone() for k, v in ema.state_dict().items() if "running" in k})
    ema.eval()
    with torch.no_grad():
        out["ema.eval_fake"] = ema(stat_in[0])

    metadata = {
        "arch": "dcgan28",
        "nz": NZ,
        "ngf": NGF,
        "ndf": NDF,
        "nc": NC,
        "classes": CLASSES,
        "batch": BATCH,
        "steps": STEPS,
        "seed": SEED,
        "ema_decay": EMA_DECAY,
        "torch_version": torch.__version__,
    }
    return out, metadata


def projection_layer():
    """A float64 forward and backward of Projection alone, every class present."""
    torch.manual_seed(SEED + 1)
    f64 = torch.float64
    layer = models.Projection(3, 2, 4).to(f64)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn_like(p))
    x = torch.randn(6, 3, 2, 2, dtype=f64, requires_grad=True)
    y = torch.tensor([2, 0, 3, 2, 1, 0])
    out = layer(x, y)
    dout = torch.randn_like(out)
    out.backward(dout)
    return {
        "projection.weight": layer.weight.detach().clone(),
        "projection.embed": layer.embed.weight.detach().clone(),
        "projection.x": x.detach(),
        "projection.labels": y.to(f64),
        "projection.dout": dout,
        "projection.out": out.detach(),
        "projection.dx": x.grad,
        "projection.dweight": layer.weight.grad,
        "projection.dembed": layer.embed.weight.grad,
    }


def main(argv=None):
    """Parse flags and write the golden file."""
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(here, "golden"), help="output folder (default %(default)s)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    tensors, metadata = conditional_step()
    tensors.update(projection_layer())
    write(os.path.join(args.out, "cdcgan28_step.safetensors"), tensors, metadata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
