"""Model selection without test labels on `sprites`: do the selection scores rank models like test DCI?

For beta-VAE (no supervision, trained on images) and Ada-GVAE (weak supervision, trained on k=1
pairs) we train seeds x beta, then correlate (Spearman, over the models of one objective) each
selection score with the test DCI disentanglement of 2/3 train + 1/3 test held-out points:
held-out pair loss and negative ELBO (lower is better, so their sign is flipped: a positive rho
means the score picks disentangled models), and few-label validation MCC / DCI on 100 labels.
Locatello et al. (2020) report that with weak supervision the pair loss correlates with
disentanglement; Locatello et al. (2019) that unsupervised scores do not.

Run with `OMP_NUM_THREADS=1 python benchmarks/model_selection.py [--steps 300] [--out results/]`.
Default sizes fit a 2-core CPU (about a minute per model): far below the papers' 300k steps.
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import pandas as pd  # noqa: E402
import torch  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

import crl.scenes  # noqa: E402
from crl.metrics import evaluate_representation  # noqa: E402
from crl.model_selection import LOWER_IS_BETTER, score_candidates, select, sweep  # noqa: E402
from encoders.atomic import atomic_write_text  # noqa: E402

SCORES = ("pair_loss", "neg_elbo", "validation_mcc", "validation_dci")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--n-train", type=int, default=4000, help="training images (beta-VAE) and pairs (Ada-GVAE)")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3, help="1e-3: few steps (disentanglement_lib: 1e-4 for 300k)")
    parser.add_argument("--latent-dim", type=int, default=10)
    parser.add_argument("--betas", type=float, nargs="+", default=[1.0, 8.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--labels", type=int, default=100, help="labelled validation images")
    parser.add_argument("--test-train", type=int, default=1334,
                        help="test DCI train points (+ half as many test points)")
    parser.add_argument("--out", default=None, help="folder for the per-model table (scores.csv)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    scene = crl.scenes.load("sprites", resolution=args.resolution)
    images = scene.sample(args.n_train, seed=100).images
    pairs = scene.sample_pairs(args.n_train, k=1, seed=101)
    heldout_pairs = scene.sample_pairs(1000, k=1, seed=102)
    heldout_images = scene.sample(1000, seed=103).images
    pool = scene.sample(10 * args.labels, seed=104)
    labels = scene.labels(pool, n=args.labels, mode="exact", seed=105)
    validation = (pool.images[labels.index.to_numpy()], labels.reset_index(drop=True))

    train_kwargs = dict(latent_dim=args.latent_dim, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                        device="cpu", progress=False)
    tables = []
    for objective, train_pairs in (("beta-vae", None), ("ada-gvae", (pairs.x1, pairs.x2))):
        start = time.perf_counter()
        candidates = sweep(objective, images, {"beta": args.betas}, seeds=args.seeds, pairs=train_pairs, **train_kwargs)
        print(f"{objective}: trained {len(candidates)} models in {time.perf_counter() - start:.0f} s", flush=True)
        table = score_candidates(candidates, heldout_pairs=heldout_pairs, heldout_images=heldout_images,
                                 validation=validation, metric=["mcc", "dci"])
        start = time.perf_counter()
        test = [evaluate_representation(c.encoder.encode, scene, metrics=("dci", "mcc"), n=args.test_train, seed=106)
                for c in candidates]
        table["test_dci"] = [t.loc[t.score == "disentanglement", "value"].item() for t in test]
        table["test_mcc"] = [t.loc[t.score == "mcc", "value"].item() for t in test]
        print(f"{objective}: test metrics in {time.perf_counter() - start:.0f} s", flush=True)
        tables.append(table)
    table = pd.concat(tables, ignore_index=True)
    pd.set_option("display.width", 200)
    print(table.drop(columns="name").to_string(float_format=lambda v: f"{v:.4g}"))
    print()
    print(summary(table).to_string(float_format=lambda v: f"{v:.3f}"))
    if args.out:
        atomic_write_text(os.path.join(args.out, "scores.csv"), table.to_csv(index=False))


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per objective and score: Spearman rho with test DCI (sign so that + means the score picks good models),
    and the test DCI of the model it selects against the best and the mean of the sweep."""
    rows = []
    for objective, group in table.groupby("objective", sort=False):
        group = group.reset_index(drop=True)
        for score in SCORES:
            sign = -1.0 if score in LOWER_IS_BETTER else 1.0
            rho = spearmanr(sign * group[score], group["test_dci"]).statistic
            chosen = select(group, by=score)
            rows.append({"objective": objective, "score": score, "spearman_vs_test_dci": rho,
                         "selected_test_dci": chosen["test_dci"], "best_test_dci": group["test_dci"].max(),
                         "mean_test_dci": group["test_dci"].mean(), "models": len(group)})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
