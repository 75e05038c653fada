"""BetaVAE score (Higgins et al. 2017), as disentanglement_lib's `beta_vae.py` (sklearn variant).

Each point: pick a factor at random, draw two batches of `batch_size` factor rows that agree
on that factor pairwise, render and encode both, and take the mean absolute difference of the
codes. A `LogisticRegression` predicts the fixed factor from that vector; the score is its
accuracy on freshly drawn evaluation points. Defaults: batch_size 64, num_train 10,000,
num_eval 5,000. It assumes independent factors (a dSprites-like scene): batches are drawn from
a sample of the scene's factor rows and the chosen factor is overwritten.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from crl.metrics.sampling import EncodeFn, check_count, check_scene, chunks, encode_images, fixed_factor_batches
from crl.protocols import GroundTruthData

BATCH_SIZE = 64
NUM_TRAIN = 10_000
NUM_EVAL = 5_000
POOL_SIZE = 10_000
"""disentanglement_lib's `beta_vae_sklearn` config; POOL_SIZE factor rows are sampled to draw batches from."""


@dataclass(frozen=True)
class BetaVAEScore:
    """Evaluation accuracy (the score) and training accuracy of the fixed-factor classifier."""

    beta_vae: float
    train_accuracy: float


def beta_vae_score(
    scene: GroundTruthData,
    representation_fn: EncodeFn,
    *,
    batch_size: int = BATCH_SIZE,
    num_train: int = NUM_TRAIN,
    num_eval: int = NUM_EVAL,
    pool_size: int = POOL_SIZE,
    seed: int = 0,
) -> BetaVAEScore:
    """BetaVAE score of `representation_fn` (images -> (N, d) codes) on `scene`, reproducible by `seed`."""
    check_scene(scene, representation_fn)
    check_count(batch_size, "batch_size")
    check_count(num_train, "num_train")
    check_count(num_eval, "num_eval")
    check_count(pool_size, "pool_size")
    rng = np.random.default_rng(seed)
    pool = scene.sample(pool_size, seed=seed).factors
    train = _features(scene, representation_fn, pool, batch_size, num_train, rng)
    evaluation = _features(scene, representation_fn, pool, batch_size, num_eval, rng)
    return beta_vae_accuracy(*train, *evaluation)


def beta_vae_accuracy(
    train_points: np.ndarray, train_labels: np.ndarray, eval_points: np.ndarray, eval_labels: np.ndarray
) -> BetaVAEScore:
    """Fit `LogisticRegression()` (library defaults) on the train features; accuracy on train and eval."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression().fit(train_points, train_labels)
    return BetaVAEScore(
        beta_vae=float(np.mean(model.predict(eval_points) == eval_labels)),
        train_accuracy=float(np.mean(model.predict(train_points) == train_labels)),
    )


def _features(
    scene: GroundTruthData, encode_fn: EncodeFn, pool: Any, batch_size: int, num_points: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(num_points, d) mean absolute code differences and the (num_points,) index of the fixed factor."""
    names = [spec.name for spec in scene.factors]
    labels = rng.integers(len(names), size=num_points)
    parts = []
    for start, stop in chunks(num_points, batch_size):
        first, second = fixed_factor_batches(pool, names, labels[start:stop], batch_size, rng, share="pairs")
        diff = np.abs(encode_images(encode_fn, scene.render(first)) - encode_images(encode_fn, scene.render(second)))
        parts.append(diff.reshape(stop - start, batch_size, -1).mean(axis=1))
    return np.concatenate(parts), labels
