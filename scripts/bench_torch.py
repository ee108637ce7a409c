"""Time full PyTorch DCGAN training steps, the baseline gogan's speed is compared with.

A step is the one gogan trains with (see models.train_step): D on a real and a
fake batch, G through D with the non-saturating loss, Adam on both. Data are
synthetic and fixed for the run (nz 100, ngf = ndf = 64, nc 1), so only the
arithmetic is timed.

Example:
  OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 scripts/bench_torch.py \\
      --arch dcgan28 --batch-size 64 --steps 20 --json
"""

import argparse
import json
import sys
import time

import torch

import models

NZ, NGF, NDF, NC = 100, 64, 64, 1


def parse_args(argv):
    """Parse and check the command line."""
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--arch", choices=models.ARCHS, default="dcgan28", help="model (default %(default)s)")
    p.add_argument("--batch-size", type=int, default=64, help="images per batch (default %(default)s)")
    p.add_argument("--steps", type=int, default=20, help="timed steps (default %(default)s)")
    p.add_argument("--warmup", type=int, default=5, help="untimed steps first (default %(default)s)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="(default %(default)s)")
    p.add_argument("--compile", action="store_true", help="wrap G and D in torch.compile (torch >= 2)")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 keeps torch's choice")
    p.add_argument(
        "--precision",
        choices=("default", "fp32", "tf32"),
        default="default",
        help="on the GPU: PyTorch's defaults (TensorFloat-32 in cuDNN's convolutions, not in matmul),"
        " fp32 everywhere, or TensorFloat-32 everywhere (default %(default)s)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed for weights and data (default %(default)s)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a line")
    args = p.parse_args(argv)
    for name in ("batch_size", "steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.warmup < 0 or args.threads < 0:
        p.error("--warmup and --threads must not be negative")
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error(f"--device cuda: torch {torch.__version__} sees no CUDA device")
    if args.compile and not hasattr(torch, "compile"):
        p.error(f"--compile: torch {torch.__version__} has no torch.compile (it arrived in 2.0)")
    return args


def sync(device):
    """Wait for queued GPU work, so that the clock measures finished steps."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench(args):
    """Build the models, run warm-up and timed steps; return the result dict."""
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.precision != "default":
        tf32 = args.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    g, d, opt_g, opt_d = models.dcgan(args.arch, NZ, NGF, NDF, NC, device)
    if args.compile:
        g, d = torch.compile(g), torch.compile(d)
    size = models.IMAGE_SIZE[args.arch]
    real = torch.tanh(torch.randn(args.batch_size, NC, size, size)).to(device)
    z = torch.randn(args.batch_size, NZ, 1, 1).to(device)

    for _ in range(args.warmup):
        models.train_step(g, d, opt_g, opt_d, real, z)
    sync(device)
    start = time.perf_counter()
    for _ in range(args.steps):
        stats = models.train_step(g, d, opt_g, opt_d, real, z)
    sync(device)
    elapsed = time.perf_counter() - start
    loss_d = stats[0].item()
    if loss_d != loss_d:
        raise RuntimeError("loss became NaN during the benchmark")

    ms = 1000 * elapsed / args.steps
    return {
        "tool": "pytorch",
        "arch": args.arch,
        "batch_size": args.batch_size,
        "device": args.device,
        "compile": args.compile,
        "cudnn_tf32": torch.backends.cudnn.allow_tf32,
        "matmul_tf32": torch.backends.cuda.matmul.allow_tf32,
        "threads": torch.get_num_threads(),
        "ms_per_step": round(ms, 3),
        "images_per_s": round(args.batch_size * args.steps / elapsed, 2),
        "torch_version": torch.__version__,
    }


def main(argv=None):
    """Run the benchmark and print its result."""
    args = parse_args(argv)
    models.check_param_counts()
    r = bench(args)
    if args.json:
        print(json.dumps(r))
    else:
        print(
            f"pytorch {r['torch_version']} {r['arch']} batch {r['batch_size']} on {r['device']}"
            f"{' (compiled)' if r['compile'] else ''}, {r['threads']} threads:"
            f" {r['ms_per_step']:.1f} ms/step, {r['images_per_s']:.1f} images/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
