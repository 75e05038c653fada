"""Packed training (`encoders.train_many`) against one model at a time: aggregate images/s against K.

The dSprites-size beta-VAE (64x64x1, batch 64, 10 latents): K models stepped as one packed program
(`encoders.packed.pack.Pack`: warm-up steps, then timed steps), beside encoders.train of one model measured just
before each K (from the time difference of a short and a long run): the rate of K single models trained one after
another. Printed per K: aggregate img/s and img per CPU-second (the work, when other processes share the cores),
each beside one-at-a-time's and their ratio, peak GPU memory per model, and the fraction of the device's dense
float32 matmul rate (measured in the same run) the FLOPs reach; then the projected wall time of
disentanglement_lib's study (12,600 models x 300,000 steps x batch 64) at the best rate measured. K grows by 4x
until memory runs out, a step takes longer than --max-step-seconds, or --max-k.

    python benchmarks/train_many.py --quick            # CPU, about 2-3 minutes on 2 cores
    python benchmarks/train_many.py --device cuda      # benchmarks/gpu.sh

Measured (docs/train_many.md has the table): 2 CPU cores, --quick: see the doc; the issue's goal on one GPU is
the whole study in 3 days (about 0.9 million img/s).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from train_speed import make_images, matmul_rate, ours_rate, peak_gpu_gb, step_flops

import encoders
from encoders.device import resolve_device
from encoders.packed.pack import Pack
from encoders.training import check_arguments

STUDY_IMAGES = 12_600 * 300_000 * 64
"""Training images of disentanglement_lib's study: 12,600 models x 300,000 steps x batch 64."""


class Clock:
    """Wall and CPU seconds (this process, all threads) since it started; CPU time shows the work a step costs
    when other processes share the cores, which wall time does not."""

    def __init__(self, device: torch.device):
        _sync(device)
        self.device, self.wall, self.cpu = device, time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        _sync(self.device)
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def single_rate(images: np.ndarray, steps: int, batch_size: int, device: torch.device) -> tuple[float, float]:
    """(img/s, img per CPU-s) of encoders.train of one model, from the difference of a short and a long run."""
    spent = []
    for n_steps in (2, 2 + steps):
        clock = Clock(device)
        encoders.train("beta-vae", images, steps=n_steps, batch_size=batch_size, device=str(device), progress=False)
        spent.append(clock.read())
    images_trained = steps * batch_size
    return images_trained / (spent[1][0] - spent[0][0]), images_trained / (spent[1][1] - spent[0][1])


def packed_rate(images: np.ndarray, k: int, steps: int, batch_size: int, device: torch.device,
                bf16: bool, vectorize: bool | None) -> tuple[float, float, float, float]:
    """(aggregate img/s, img per CPU-s, seconds per step, peak GPU GB per model) of K beta-VAEs in one pack."""
    configs, data = [], None
    for seed in range(k):
        config, data = check_arguments("beta-vae", images, None, None, None, {}, latent_dim=10, steps=steps + 2,
                                       batch_size=batch_size, lr=1e-4, seed=seed, label_weight=10.0,
                                       checkpoint_every=1, log_every=100)
        configs.append(config)
    peak_gpu_gb(str(device))
    pack = Pack(configs, data, device, bf16, vectorize)
    for step in (1, 2):
        pack.step(step)
    clock = Clock(device)
    for step in range(3, steps + 3):
        pack.step(step)
    wall, cpu = clock.read()
    return k * batch_size * steps / wall, k * batch_size * steps / cpu, wall / steps, peak_gpu_gb(str(device)) / k


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _days(rate: float) -> str:
    return f"{STUDY_IMAGES / rate / 86400:,.1f} days"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per K (after 2 warm-up steps)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--max-k", type=int, default=4096)
    parser.add_argument("--max-step-seconds", type=float, default=20.0)
    parser.add_argument("--bf16", action="store_true", help="packed steps under bf16 autocast")
    parser.add_argument("--vectorize", choices=("auto", "on", "off"), default="auto",
                        help="vmap the pack's networks (auto: on CUDA only)")
    parser.add_argument("--quick", action="store_true", help="CPU-sized: K up to 16, 3 timed steps")
    args = parser.parse_args()
    device = resolve_device(args.device)
    vectorize = {"auto": None, "on": True, "off": False}[args.vectorize]
    steps, max_k = (3, min(args.max_k, 16)) if args.quick else (args.steps, args.max_k)
    images = make_images(2048, 64, seed=0)[..., :1].copy()  # dSprites-size: 64x64, one channel
    print(f"device {device}, torch threads {torch.get_num_threads()}, {images.shape} uint8, batch {args.batch_size}, "
          f"{steps} timed steps, bf16 {args.bf16}, vectorize {args.vectorize}")
    ours_rate(images, 2, args.batch_size, str(device))  # one-time costs (kernel generation) paid here
    flops, peak = step_flops(images, args.batch_size) / args.batch_size, matmul_rate(str(device))
    print(f"{flops / 1e6:.1f} MFLOP per image; dense matmul {peak / 1e9:,.0f} GFLOP/s; one model at a time "
          "(encoders.train) measured just before each K")
    print(f"{'K':>6s}{'img/s':>10s}{'one model':>11s}{'ratio':>7s}{'img/CPU-s':>11s}{'one model':>11s}{'ratio':>7s}"
          f"{'s/step':>8s}{'GPU GB/model':>14s}{'of matmul':>11s}")
    best, k = 0.0, 1
    while k <= max_k:
        single, single_cpu = single_rate(images, max(steps, 3), args.batch_size, device)
        try:
            rate, rate_cpu, seconds, memory = packed_rate(images, k, steps, args.batch_size, device, args.bf16,
                                                          vectorize)
        except torch.cuda.OutOfMemoryError:
            print(f"{k:6d}  out of GPU memory")
            break
        best = max(best, rate, single)
        print(f"{k:6d}{rate:10,.0f}{single:11,.0f}{rate / single:7.2f}{rate_cpu:11,.0f}{single_cpu:11,.0f}"
              f"{rate_cpu / single_cpu:7.2f}{seconds:8.3f}{memory:14.3f}{rate * flops / peak:11.1%}")
        if seconds > args.max_step_seconds:
            break
        k *= 4
    print(f"full disentanglement_lib study ({STUDY_IMAGES:.2e} images): one at a time {_days(single)}, "
          f"at the best rate measured {_days(best)} (goal: 3 days)")


if __name__ == "__main__":
    main()
