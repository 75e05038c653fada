"""Encoder quality on the 2-core CPU: weak supervision against none, and what imperfect labels cost.

`sprites` (independent factors): beta-VAE on images and Ada-GVAE on noise-shift pairs (k=1),
trained for the same number of steps with each objective's default beta (4 and 1), one model
per seed; each is scored by MCC and DCI disentanglement against the five factors on held-out
images (`crl.metrics.evaluate_representation`). Locatello et al. (2020) report that Ada-GVAE
beats the unsupervised methods on both.

`labels` (pendulum, dependent factors): concept latents from 100 labels (beta-VAE plus the label
regulariser) and `causal-vae`, with exact, binned (5 bins), noisy (10% wild values) and
partial (half of each column missing) labels; scored by the MCC of the named latents against
the four causal factors on held-out images (each latent matched to its own factor, not
permuted). Steps and lr suit a few minutes per model on a CPU (disentanglement_lib trains
300k steps at lr 1e-4).

    python benchmarks/encoder_quality.py sprites --seeds 0 1 2 --steps 4000
    python benchmarks/encoder_quality.py labels --steps 2000
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch

import crl.scenes
import encoders
from crl.metrics import evaluate_representation
from crl.metrics.mcc import correlation_matrix

LABEL_MODES = ("exact", "binned", "noisy", "partial")


def sprites(args: argparse.Namespace) -> pd.DataFrame:
    """beta-VAE against Ada-GVAE at equal steps, per seed: MCC and DCI disentanglement."""
    scene = crl.scenes.load("sprites", resolution=args.resolution)
    images = scene.sample(args.n_train, seed=100).images
    pairs = scene.sample_pairs(args.n_train, k=1, seed=101)
    rows = []
    for seed in args.seeds:
        for objective, train_pairs in (("beta-vae", None), ("ada-gvae", (pairs.x1, pairs.x2))):
            start = time.perf_counter()
            encoder = encoders.train(objective, images, pairs=train_pairs, latent_dim=args.latent_dim,
                                     steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=seed,
                                     device=args.device, progress=False)
            seconds = time.perf_counter() - start
            scores = evaluate_representation(encoder.encode, scene, metrics=("mcc", "dci"), n=args.n_test, seed=106)
            value = dict(zip(scores.score, scores.value))
            rows.append({"objective": objective, "seed": seed, "mcc": value["mcc"],
                         "dci_disentanglement": value["disentanglement"], "train_seconds": seconds})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def labels(args: argparse.Namespace) -> pd.DataFrame:
    """Concept latents and causal-vae on pendulum with each kind of label: MCC of named latents."""
    scene = crl.scenes.load("pendulum", resolution=args.resolution)
    train = scene.sample(args.n_train, seed=0)
    test = scene.sample(args.n_test, seed=1)
    rows = []
    for mode in LABEL_MODES:
        table = scene.labels(train, n=args.n_labels, mode=mode, seed=2)
        for objective in ("beta-vae", "causal-vae"):
            for seed in args.seeds:
                start = time.perf_counter()
                encoder = encoders.train(objective, train.images, labels=table, latent_dim=args.latent_dim,
                                         steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=seed,
                                         device=args.device, progress=False)
                seconds = time.perf_counter() - start
                names = list(encoder.label_names)
                latents = encoder.encode(test.images)[:, : len(names)]
                corr = np.abs(np.diag(correlation_matrix(latents, test.factors[names].to_numpy(dtype=float))))
                rows.append({"labels": mode, "objective": objective, "seed": seed, "mcc": corr.mean(),
                             **{f"|r| {n}": c for n, c in zip(names, corr)}, "train_seconds": seconds})
                print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=("sprites", "labels"))
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--n-train", type=int, default=10_000, help="training images (and pairs for Ada-GVAE)")
    parser.add_argument("--n-test", type=int, default=2_000, help="held-out images for the scores")
    parser.add_argument("--n-labels", type=int, default=100)
    parser.add_argument("--steps", type=int, default=4000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="1e-3 for few steps (disentanglement_lib: 1e-4 for 300k)")
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    table = sprites(args) if args.part == "sprites" else labels(args)
    pd.set_option("display.width", 200)
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    keys = ["objective"] if args.part == "sprites" else ["labels", "objective"]
    print("\n# mean over seeds")
    print(table.drop(columns="seed").groupby(keys, sort=False).mean().to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
