"""Abstract reasoning on the 2-core CPU: is a more disentangled representation learned from faster?

van Steenkiste et al. (NeurIPS 2019) trained WReN on frozen representations of 360 models and found that
accuracy after few steps rises with disentanglement. Here, on the `sprites` scene (32 px, easy puzzles with 1
to 3 relations, three classes per factor):

- ``ordering``: WReN's test accuracy at a small and a larger step budget for the ground-truth factors (the
  ceiling), a weakly supervised Ada-GVAE (well disentangled), the same latents under a random rotation (the
  same information, entangled), an unsupervised beta-VAE (entangled), and raw pixels through a CNN trained end
  to end. Each encoder's MCC and DCI disentanglement are printed beside it.
- ``study`` (option): `--encoders` beta-VAE / Ada-GVAE models of varied beta and seed, and Spearman's rho between
  their DCI disentanglement (and MCC) and WReN's accuracy at few and many steps.

WReN is the small one (edge MLP 2 x 128, graph MLP 128, no dropout; the reference's 4 x 512 takes ~1 s a step
on one core), batch 32, lr 1e-3; on CUDA when present (``--device``). CPU budget on one core of the shared 2-core
machine: ``ordering --encoder-steps 600`` 8.5 min; the quick ``study`` below 13 min (figures in docs/reasoning.md).

    OMP_NUM_THREADS=1 python benchmarks/reasoning.py ordering --encoder-steps 600
    OMP_NUM_THREADS=1 python benchmarks/reasoning.py study --encoders 10 --encoder-steps 200 --steps 500 --few 125 \
        --n-images 2000
"""
from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch
from scipy.stats import ortho_group, spearmanr

import crl.scenes
import encoders
from crl.downstream.reasoning import ReasoningConfig, train_reasoner
from crl.metrics import evaluate_representation

WREN = {"edge_mlp": (128, 128), "graph_mlp": (128,), "dropout": 0.0}


def _config(args: argparse.Namespace) -> ReasoningConfig:
    return ReasoningConfig(steps=args.steps, few=args.few, eval_every=args.few, n_train=args.n_train,
                           n_test=args.n_test, **WREN)  # type: ignore[arg-type]


def _encoder(scene, args: argparse.Namespace, objective: str, seed: int, beta: float) -> encoders.Encoder:
    images = scene.sample(args.n_images, seed=100).images
    pairs = scene.sample_pairs(args.n_images, k=1, seed=101) if objective == "ada-gvae" else None
    return encoders.train(objective, images, pairs=None if pairs is None else (pairs.x1, pairs.x2), latent_dim=6,
                          steps=args.encoder_steps, batch_size=64, lr=1e-3, seed=seed, device=args.device,
                          progress=False, beta=beta)


def _disentanglement(represent: Callable, scene) -> dict[str, float]:
    scores = evaluate_representation(represent, scene, metrics=("mcc", "dci"), n=2000, seed=7)
    value = dict(zip(scores.score, scores.value))
    return {"mcc": float(value["mcc"]), "dci": float(value["disentanglement"])}


def _reason(name: str, represent, scene, args: argparse.Namespace, extra: dict) -> dict:
    start = time.perf_counter()
    result = train_reasoner(represent, scene, _config(args), seed=args.seed, device=args.device, progress=False)
    scores = result.scores()
    row = {"representation": name, **extra, "accuracy_few": scores["accuracy:few"],
           "accuracy_many": scores["accuracy:many"], "seconds": time.perf_counter() - start}
    print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True)
    return row


def ordering(args: argparse.Namespace) -> pd.DataFrame:
    """Accuracy of the ground truth, a disentangled and two entangled encoders, and pixels."""
    scene = crl.scenes.load("sprites", resolution=args.resolution)
    weak = _encoder(scene, args, "ada-gvae", args.seed, 1.0)
    plain = _encoder(scene, args, "beta-vae", args.seed, 1.0)
    rotation = ortho_group.rvs(weak.latent_dim, random_state=0)
    rotated = (lambda images: weak.encode(images) @ rotation)  # noqa: E731 - same information, entangled
    rows = [_reason("ground truth", "factors", scene, args, {"mcc": 1.0, "dci": 1.0})]
    for name, represent in (("ada-gvae", weak.encode), ("ada-gvae rotated", rotated), ("beta-vae", plain.encode)):
        rows.append(_reason(name, represent, scene, args, _disentanglement(represent, scene)))
    rows.append(_reason("pixels (CNN)", "pixels", scene, args, {"mcc": np.nan, "dci": np.nan}))
    return pd.DataFrame(rows)


def study(args: argparse.Namespace) -> pd.DataFrame:
    """`--encoders` models of varied objective, beta and seed: rank correlation of disentanglement and accuracy."""
    scene = crl.scenes.load("sprites", resolution=args.resolution)
    grid = [("ada-gvae", 1.0), ("beta-vae", 1.0), ("beta-vae", 4.0), ("beta-vae", 16.0), ("ada-gvae", 4.0)]
    rows = []
    for i in range(args.encoders):
        objective, beta = grid[i % len(grid)]
        encoder = _encoder(scene, args, objective, seed=i // len(grid), beta=beta)
        extra = {"objective": objective, "beta": beta, **_disentanglement(encoder.encode, scene)}
        rows.append(_reason(f"{objective} beta={beta:g} s{i // len(grid)}", encoder.encode, scene, args, extra))
    table = pd.DataFrame(rows)
    for score in ("dci", "mcc"):
        for accuracy in ("accuracy_few", "accuracy_many"):
            print(f"spearman rho({score}, {accuracy}) = {spearmanr(table[score], table[accuracy])[0]:.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["ordering", "study"])
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--n-images", type=int, default=5000)
    parser.add_argument("--encoder-steps", type=int, default=1500)
    parser.add_argument("--steps", type=int, default=1000, help="WReN steps (the 'many' budget)")
    parser.add_argument("--few", type=int, default=250, help="the 'few steps' budget")
    parser.add_argument("--n-train", type=int, default=5000)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--encoders", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    torch.set_num_threads(1)
    table = ordering(args) if args.part == "ordering" else study(args)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
