"""Save DCGAN generators with torch.save and their images, for gogan's .pth tests.

Writes, under the folder given as the only argument, one set per generator:
  <name>.pth             the generator's state dict, as torch.save writes it
  <name>.safetensors     the same state dict in safetensors (float32)
  <name>_z.npy           latents, (N, nz, 1, 1) float32
  <name>_images.npy      the generator's output on them in eval mode, (N, nc, S, S) float32

The generators:
  dcgan28               scripts/models.py's dcgan28 at nz 8, ngf 4, nc 1, float32
  dcgan64_half          dcgan64 at nz 10, ngf 3, nc 3, saved as float16, one weight strided
  netG_epoch_0          a Generator shaped like pytorch/examples' dcgan/main.py (self.main,
                        keys main.0.weight, ...), nz 12, ngf 4, nc 3, saved as it saves netG;
                        its safetensors copy keeps the main. prefix, and _double.pth is the
                        same state dict in float64

and files that must be refused:
  netG_model.pth         torch.save(netG): the whole module pickled, not a state dict
  hostile_os_system.pth  a state dict whose tensor is an object reducing to os.system, which
                         creates PWNED in the folder if anything runs it
  hostile_eval.pth       the same through builtins.eval

Running statistics are randomised so that eval-mode BatchNorm is exercised. The output
is deterministic for a given PyTorch version.
"""

import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402
import safetensors_io  # noqa: E402

N = 4


class Generator(nn.Module):
    """pytorch/examples dcgan/main.py's Generator, with its sizes as arguments."""

    def __init__(self, ngpu, nz, ngf, nc):
        super().__init__()
        self.ngpu = ngpu
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh(),
        )

    def forward(self, input):
        return self.main(input)


def weights_init(m):
    """dcgan/main.py's initialisation, with random running statistics added."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1:
        torch.nn.init.normal_(m.weight, 0.0, 0.02)
    elif classname.find("BatchNorm") != -1:
        torch.nn.init.normal_(m.weight, 1.0, 0.02)
        torch.nn.init.zeros_(m.bias)
        m.running_mean.normal_(0.0, 0.1)
        m.running_var.uniform_(0.5, 1.5)


def save(out, name, net, nz, state=None):
    """Write the set of files for ``net`` under ``name``; ``state`` overrides the saved dict."""
    net.eval()
    state = net.state_dict() if state is None else state
    torch.save(state, os.path.join(out, name + ".pth"))
    safetensors_io.save(
        os.path.join(out, name + ".safetensors"),
        {k: v.float().contiguous() for k, v in state.items() if not k.endswith("num_batches_tracked")},
    )
    z = torch.randn(N, nz, 1, 1)
    with torch.no_grad():
        images = net(z)
    np.save(os.path.join(out, name + "_z.npy"), z.numpy())
    np.save(os.path.join(out, name + "_images.npy"), images.numpy())


class Call:
    """An object that pickles as a call of ``fn(arg)``: what a malicious .pth holds."""

    def __init__(self, fn, arg):
        self.fn, self.arg = fn, arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def hostile(out, netG):
    """Write the files that gogan must refuse without running anything."""
    torch.save(netG, os.path.join(out, "netG_model.pth"))
    marker = os.path.join(out, "PWNED")
    torch.save({"main.0.weight": Call(os.system, "touch " + marker)}, os.path.join(out, "hostile_os_system.pth"))
    code = f"open({marker!r}, 'w').close()"
    torch.save({"main.0.weight": Call(eval, code)}, os.path.join(out, "hostile_eval.pth"))


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)

    g = models.generator("dcgan28", 8, 4, 1)
    g.apply(weights_init)
    save(out, "dcgan28", g, 8)

    g = models.generator("dcgan64", 10, 3, 3)
    g.apply(weights_init)
    g.half().float()  # the weights the float16 file holds, exactly
    state = {k: v.half() if v.is_floating_point() else v for k, v in g.state_dict().items()}
    w = state["3.weight"]
    state["3.weight"] = w.permute(1, 0, 2, 3).contiguous().permute(1, 0, 2, 3)
    assert not state["3.weight"].is_contiguous()
    save(out, "dcgan64_half", g, 10, state)

    netG = Generator(0, 12, 4, 3)
    netG.apply(weights_init)
    save(out, "netG_epoch_0", netG, 12)
    torch.save({k: v.double() if v.is_floating_point() else v for k, v in netG.state_dict().items()},
               os.path.join(out, "netG_epoch_0_double.pth"))
    hostile(out, netG)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: pth_generators.py OUT_DIR")
    main(sys.argv[1])
