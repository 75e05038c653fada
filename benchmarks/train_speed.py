"""Training speed of encoders.train (beta-VAE, 64x64x3, batch 64) beside a naive PyTorch loop.

The naive loop trains the same network the way a first script would: the whole dataset
converted to a float32 NCHW tensor, a DataLoader over a TensorDataset, `.item()` every
step. Ours: uint8 data, random-index batches converted per step, channels_last, no host
sync per step. Both run in this process on the same images; the table prints images/s,
the ratio and the peak RSS of the process (ours runs first, so its peak is read first); on
CUDA also each loop's peak GPU memory. `--compile` trains ours with torch.compile, `--bf16`
under bf16 autocast.
The two are measured alternately `--repeats` times and the medians compared, so a burst of load
on a shared machine moves one measurement, not the ratio.

    python benchmarks/train_speed.py --steps 40 --repeats 3 --batch-size 64 --device cpu
    python benchmarks/train_speed.py --steps 300 --batch-size 256 --device cuda --compile

Measured on one H200 (`benchmarks/gpu.sh`, 400 steps, 3 repeats, float32): batch 256, ours
42,415 img/s against naive 16,632 (2.55x), peak GPU memory 0.28 and 0.25 GB; batch 64, 11,552
against 8,353 (1.38x). A step is launch-bound there (in bf16 at batch 64: 0.9 ms of GPU work in
a 6 ms step), so bf16 autocast, which adds casts, was slower (41,067 img/s at batch 256, run
when autocast was the default; `--bf16` asks for it now), and torch.compile on top of it did
not help (38,040). A direct A/B of encoders.train
alone (20 vs 320 steps, the difference timed) gave float32 50,600-53,800 img/s against bf16
43,300 at batch 256, 14,100-14,300 against 10,500-10,700 at batch 64, and at 128 px batch 256
45,300 against 38,000-41,000. On 2 CPU cores ours is 0.95-1.22x naive: the network is compute-bound there.
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

import encoders
from encoders.device import resolve_device
from encoders.networks import VAE


def peak_rss_gb() -> float:
    """Peak resident memory of this process so far, in GB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def make_images(n: int, resolution: int, seed: int) -> np.ndarray:
    """Pendulum scene images when crl.scenes is importable, else random smooth blobs."""
    try:
        import crl.scenes
        return crl.scenes.load("pendulum", resolution=resolution).sample(n, seed=seed).images
    except ImportError:
        rng = np.random.default_rng(seed)
        grid = np.linspace(0, 1, resolution)
        yy, xx = np.meshgrid(grid, grid, indexing="ij")
        centres = rng.random((n, 3, 2))
        blobs = np.exp(-((xx[None, None] - centres[..., 0, None, None]) ** 2
                         + (yy[None, None] - centres[..., 1, None, None]) ** 2) / 0.02)
        return (blobs.transpose(0, 2, 3, 1) * 255).astype(np.uint8)


def ours_rate(images: np.ndarray, steps: int, batch_size: int, device: str, compile: bool = False,
              bf16: bool = False) -> float:
    """Images/s of encoders.train, from the time difference of a short and a long run (setup cancels)."""
    times = []
    for n_steps in (2, 2 + steps):
        start = time.perf_counter()
        encoders.train("beta-vae", images, steps=n_steps, batch_size=batch_size, device=device, progress=False,
                       compile=compile, bf16=bf16)
        if device != "cpu" and torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return steps * batch_size / (times[1] - times[0])


def step_flops(images: np.ndarray, batch_size: int) -> float:
    """FLOPs of one training step's forward and backward (torch's FLOP counter; convs and matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    vae = VAE(images.shape[3], images.shape[1], 10)
    x = torch.from_numpy(images[:batch_size]).permute(0, 3, 1, 2).float().div(255.0)
    with FlopCounterMode(display=False) as counter:
        mean, log_var = vae.encoder(x)
        logits = vae.decoder(mean + torch.exp(0.5 * log_var) * torch.randn_like(mean))
        F.binary_cross_entropy_with_logits(logits, x).backward()
    return float(counter.get_total_flops())


def matmul_rate(device: str, size: int = 1024, repeats: int = 20) -> float:
    """FLOP/s of a dense float32 matmul on `device`: what this machine's cores reach on the best-shaped work."""
    dev = resolve_device(device)
    a, b = torch.randn(size, size, device=dev), torch.randn(size, size, device=dev)
    a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if dev.type == "cuda":
        torch.cuda.synchronize()
    return 2 * size**3 * repeats / (time.perf_counter() - start)


def peak_gpu_gb(device: str) -> float:
    """Peak GPU memory allocated by torch since the last reset, in GB (0 off CUDA); resets the counter."""
    if resolve_device(device).type != "cuda":
        return 0.0
    peak = torch.cuda.max_memory_allocated() / 1e9
    torch.cuda.reset_peak_memory_stats()
    return peak


def naive_rate(images: np.ndarray, steps: int, batch_size: int, device: str) -> float:
    """Images/s of the naive loop over the same network and loss (Bernoulli recon + beta * KL)."""
    dev = resolve_device(device)
    data = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(255.0).contiguous()
    loader = DataLoader(TensorDataset(data), batch_size=batch_size, shuffle=True, drop_last=True)
    torch.manual_seed(0)
    vae = VAE(images.shape[3], images.shape[1], 10).to(dev)
    opt = torch.optim.Adam(vae.parameters(), lr=1e-4)
    done, start = 0, None
    while done < steps + 2:
        for (x,) in loader:
            if done == 2:
                start = time.perf_counter()
            x = x.to(dev)
            mean, log_var = vae.encoder(x)
            z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
            recon = F.binary_cross_entropy_with_logits(vae.decoder(z), x, reduction="none").flatten(1).sum(1).mean()
            kl = 0.5 * (mean.square() + log_var.exp() - log_var - 1).sum(1).mean()
            loss = recon + 4.0 * kl
            opt.zero_grad()
            loss.backward()
            opt.step()
            loss.item()
            done += 1
            if done == steps + 2:
                break
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurements of each; medians compared")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--compile", action="store_true", help="train ours with torch.compile")
    parser.add_argument("--bf16", action="store_true", help="train ours under bf16 autocast (CUDA only)")
    args = parser.parse_args()
    device = str(resolve_device(args.device))
    images = make_images(args.images, args.resolution, seed=0)
    print(f"device {device}, torch threads {torch.get_num_threads()}, {images.shape} uint8, "
          f"batch {args.batch_size}, {args.steps} timed steps")
    # one untimed run first: the first training in a process pays one-time costs (oneDNN kernel
    # generation) in its short run only, which would inflate the difference-based rate
    encoders.train("beta-vae", images, steps=2, batch_size=args.batch_size, device=device, progress=False,
                   compile=args.compile, bf16=args.bf16)
    ours_runs, naive_runs, rss_ours, gpu_ours, gpu_naive = [], [], 0.0, 0.0, 0.0
    peak_gpu_gb(device)
    for repeat in range(args.repeats):
        ours_runs.append(ours_rate(images, args.steps, args.batch_size, device, args.compile, args.bf16))
        gpu_ours = max(gpu_ours, peak_gpu_gb(device))
        if repeat == 0:  # before the naive loop's float copy of the data
            rss_ours = peak_rss_gb()
        naive_runs.append(naive_rate(images, args.steps, args.batch_size, device))
        gpu_naive = max(gpu_naive, peak_gpu_gb(device))
    rss_all = peak_rss_gb()
    ours, naive = float(np.median(ours_runs)), float(np.median(naive_runs))
    print(f"{'':8s}{'img/s (median)':>16s}{'runs':>28s}{'peak RSS GB':>14s}{'peak GPU GB':>14s}")
    print(f"{'ours':8s}{ours:16.1f}{' '.join(f'{r:.0f}' for r in ours_runs):>28s}{rss_ours:14.2f}{gpu_ours:14.2f}")
    print(f"{'naive':8s}{naive:16.1f}{' '.join(f'{r:.0f}' for r in naive_runs):>28s}{rss_all:14.2f}{gpu_naive:14.2f}")
    print(f"ratio ours/naive: {ours / naive:.2f}x")
    flops, peak = step_flops(images, args.batch_size) / args.batch_size, matmul_rate(device)
    print(f"{flops / 1e6:.1f} MFLOP per image (forward + backward); dense matmul here: {peak / 1e9:.1f} GFLOP/s")
    print(f"ours runs at {ours * flops / 1e9:.1f} GFLOP/s = {ours * flops / peak:.0%} of the matmul rate; "
          f"3x naive would need {3 * naive * flops / peak:.0%}")


if __name__ == "__main__":
    main()
