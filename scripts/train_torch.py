"""Train gogan's DCGAN in PyTorch on Fashion-MNIST, as a reference for gogan's own runs.

Uses the models, initialisation and training step of models.py with the
default hyperparameters (batch 64, Adam 2e-4, betas 0.5/0.999, nz 100,
ngf = ndf = 64). Writes to --out:
  samples.png   an 8x8 grid of samples from a fixed z, G in eval mode
  samples.npy   --n-samples images, float32 (N, 1, S, S) in [-1, 1], G in eval mode
  losses.csv    per-step loss_d, loss_g, D(real), D(fake)

Example:
  OMP_NUM_THREADS=2 /usr/bin/python3 scripts/train_torch.py --steps 20 --out /tmp/torch-run
"""

import argparse
import gzip
import os
import struct
import sys
import time
import zlib

import numpy as np
import torch
import torch.nn.functional as F

import models
from safetensors_io import write_atomic

NZ, NGF, NDF, NC = 100, 64, 64, 1
TRAIN_IMAGES = "train-images-idx3-ubyte"
IDX_UBYTE_3D = 0x00000803  # IDX magic: unsigned bytes, 3 dimensions
GRID_SIDE = 8


class InputError(Exception):
    """Bad input the user can fix: reported as one line, without a traceback."""


def read_idx_images(path):
    """Read an IDX3 ubyte image file (gzipped or not) as a (N, rows, cols) uint8 array."""
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (OSError, EOFError, zlib.error) as e:
        raise InputError(f"read {path}: {e}") from e
    if len(data) < 16:
        raise InputError(f"read {path}: {len(data)} bytes, too short for an IDX3 header")
    magic, n, rows, cols = struct.unpack(">IIII", data[:16])
    if magic != IDX_UBYTE_3D:
        raise InputError(f"read {path}: magic {magic:#010x}, want {IDX_UBYTE_3D:#010x} (IDX3 images)")
    if len(data) != 16 + n * rows * cols:
        raise InputError(
            f"read {path}: {len(data) - 16} bytes of pixels, header says {n}x{rows}x{cols}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)


def load_images(data_dir, size):
    """Load the training images as float32 (N, 1, size, size) in [-1, 1]."""
    for name in (TRAIN_IMAGES + ".gz", TRAIN_IMAGES):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            break
    else:
        raise InputError(f"read {data_dir}: no {TRAIN_IMAGES}.gz or {TRAIN_IMAGES}")
    x = torch.from_numpy(read_idx_images(path).astype(np.float32) / 127.5 - 1.0).unsqueeze(1)
    if x.shape[-1] != size:
        # dcgan64 trains on upsampled 28x28 images.
        x = F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False).clamp_(-1, 1)
    return x


def png_bytes(img):
    """Encode a (H, W) uint8 array as a greyscale 8-bit PNG."""

    def chunk(kind, body):
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    h, w = img.shape
    rows = np.concatenate([np.zeros((h, 1), np.uint8), img], axis=1)  # filter byte 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + chunk(b"IEND", b"")
    )


def grid(images, side, pad=2):
    """Tile (side*side, 1, S, S) images in [-1, 1] into one (H, W) uint8 image."""
    n, _, s, _ = images.shape
    cell = s + pad
    out = np.zeros((side * cell + pad, side * cell + pad), np.uint8)
    pixels = np.clip((images[:, 0] + 1) * 127.5 + 0.5, 0, 255).astype(np.uint8)
    for i in range(min(n, side * side)):
        r, c = divmod(i, side)
        out[pad + r * cell : pad + r * cell + s, pad + c * cell : pad + c * cell + s] = pixels[i]
    return out


def save_grid(path, images):
    """Write the sample grid, through torchvision where it is installed."""
    try:
        import torchvision.utils as vutils
    except ImportError:
        img = grid(images.numpy(), GRID_SIDE)
        write_atomic(path, lambda f: f.write(png_bytes(img)))
        return
    tmp = path + ".tmp.png"
    vutils.save_image(images, tmp, nrow=GRID_SIDE, padding=2, normalize=True, value_range=(-1, 1))
    os.replace(tmp, path)


@torch.no_grad()
def generate(g, z, chunk=500):
    """Run G in eval mode on ``z`` in chunks; return float32 images on the CPU."""
    g.eval()
    out = torch.cat([g(z[i : i + chunk]) for i in range(0, len(z), chunk)])
    g.train()
    return out.float().cpu()


def parse_args(argv):
    """Parse and check the command line."""
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="IDX folder (default %(default)s)")
    p.add_argument("--out", required=True, help="output folder, created if absent")
    p.add_argument("--arch", choices=models.ARCHS, default="dcgan28", help="model (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=64, help="(default %(default)s)")
    p.add_argument("--epochs", type=int, default=5, help="(default %(default)s)")
    p.add_argument("--steps", type=int, default=0, help="stop after this many steps; 0 runs all epochs")
    p.add_argument("--seed", type=int, default=0, help="(default %(default)s)")
    p.add_argument("--n-samples", type=int, default=10000, help="images in samples.npy (default %(default)s)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="(default %(default)s)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 keeps torch's choice")
    p.add_argument("--log-every", type=int, default=100, help="print progress every N steps")
    args = p.parse_args(argv)
    for name in ("batch_size", "epochs", "n_samples", "log_every"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.steps < 0 or args.threads < 0:
        p.error("--steps and --threads must not be negative")
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error(f"--device cuda: torch {torch.__version__} sees no CUDA device")
    return args


def train(args):
    """Train, then write samples and logs to args.out."""
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    try:
        os.makedirs(args.out, exist_ok=True)
    except OSError as e:
        raise InputError(f"create {args.out}: {e.strerror}") from e
    images = load_images(args.data, models.IMAGE_SIZE[args.arch])
    if len(images) < args.batch_size:
        raise InputError(f"{args.data}: {len(images)} images, fewer than one batch of {args.batch_size}")

    g, d, opt_g, opt_d = models.dcgan(args.arch, NZ, NGF, NDF, NC, device)
    fixed_z = torch.randn(GRID_SIDE * GRID_SIDE, NZ, 1, 1, device=device)

    # Incomplete last batches are dropped: BatchNorm over a handful of images is noise.
    per_epoch = len(images) // args.batch_size
    total = args.steps or args.epochs * per_epoch
    log = ["step,loss_d,loss_g,d_real,d_fake"]
    step, start = 0, time.perf_counter()
    while step < total:
        order = torch.randperm(len(images))
        for b in range(per_epoch):
            if step == total:
                break
            real = images[order[b * args.batch_size : (b + 1) * args.batch_size]].to(device)
            z = torch.randn(args.batch_size, NZ, 1, 1, device=device)
            loss_d, loss_g, d_real, d_fake = models.train_step(g, d, opt_g, opt_d, real, z).tolist()
            step += 1
            log.append(f"{step},{loss_d:.6f},{loss_g:.6f},{d_real:.6f},{d_fake:.6f}")
            if step % args.log_every == 0 or step == total:
                print(
                    f"step {step}/{total} epoch {(step - 1) // per_epoch + 1}:"
                    f" loss_d {loss_d:.4f} loss_g {loss_g:.4f} D(x) {d_real:.3f} D(G(z)) {d_fake:.3f}"
                    f" ({time.perf_counter() - start:.1f} s)",
                    flush=True,
                )

    save_grid(os.path.join(args.out, "samples.png"), generate(g, fixed_z))
    samples = generate(g, torch.randn(args.n_samples, NZ, 1, 1, device=device)).numpy()
    write_atomic(os.path.join(args.out, "samples.npy"), lambda f: np.save(f, samples))
    text = ("\n".join(log) + "\n").encode()
    write_atomic(os.path.join(args.out, "losses.csv"), lambda f: f.write(text))
    print(f"wrote {args.out}: samples.png, samples.npy {samples.shape}, losses.csv ({step} steps)")


def main(argv=None):
    """Run training; report bad input as one line and exit 1."""
    args = parse_args(argv)
    models.check_param_counts()
    try:
        train(args)
    except (InputError, OSError) as e:
        print(f"{os.path.basename(sys.argv[0])}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
