"""FactorVAE score (Kim & Mnih 2018), as disentanglement_lib's `factor_vae.py`.

Latent variances are estimated on `num_variance_estimate` observations; dimensions whose
standard deviation is below `prune_threshold` (0.05, disentanglement_lib's `prune_dims.threshold`,
applied to sqrt(variance) as its code does) are ignored. Each point: fix one random factor
across a batch of `batch_size` factor rows, render and encode, and vote for the active latent
with the smallest variance relative to its global variance. A majority-vote classifier maps
each latent to a factor; the score is its accuracy on freshly drawn evaluation votes.
Defaults: batch_size 64, num_train 10,000, num_eval 5,000, num_variance_estimate 10,000.
Assumes independent factors (a dSprites-like scene).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from crl.metrics.sampling import EncodeFn, check_count, check_scene, chunks, encode_images, fixed_factor_batches
from crl.protocols import GroundTruthData

BATCH_SIZE = 64
NUM_TRAIN = 10_000
NUM_EVAL = 5_000
NUM_VARIANCE_ESTIMATE = 10_000
PRUNE_THRESHOLD = 0.05


@dataclass(frozen=True)
class FactorVAEScore:
    """Evaluation accuracy (the score), training accuracy, and the number of unpruned latents."""

    factor_vae: float
    train_accuracy: float
    num_active_dims: int


def factor_vae_score(
    scene: GroundTruthData,
    representation_fn: EncodeFn,
    *,
    batch_size: int = BATCH_SIZE,
    num_train: int = NUM_TRAIN,
    num_eval: int = NUM_EVAL,
    num_variance_estimate: int = NUM_VARIANCE_ESTIMATE,
    prune_threshold: float = PRUNE_THRESHOLD,
    seed: int = 0,
) -> FactorVAEScore:
    """FactorVAE score of `representation_fn` (images -> (N, d) codes) on `scene`, reproducible by `seed`.

    The `num_variance_estimate` sampled factor rows also serve as the pool batches are drawn from.
    """
    check_scene(scene, representation_fn)
    check_count(batch_size, "batch_size", 2)
    check_count(num_train, "num_train")
    check_count(num_eval, "num_eval")
    check_count(num_variance_estimate, "num_variance_estimate", 2)
    if not np.isfinite(prune_threshold) or prune_threshold < 0:
        raise ValueError(f"prune_threshold must be a finite number >= 0; got {prune_threshold!r}")
    rng = np.random.default_rng(seed)
    draw = scene.sample(num_variance_estimate, seed=seed)
    global_variances = np.var(encode_images(representation_fn, draw.images), axis=0, ddof=1)
    active = np.sqrt(global_variances) >= prune_threshold
    if not active.any():
        return FactorVAEScore(factor_vae=0.0, train_accuracy=0.0, num_active_dims=0)
    train_votes, eval_votes = (
        _votes(scene, representation_fn, draw.factors, batch_size, count, rng, global_variances, active)
        for count in (num_train, num_eval)
    )
    return factor_vae_accuracy(train_votes, eval_votes, num_active_dims=int(active.sum()))


def factor_vae_accuracy(train_votes: np.ndarray, eval_votes: np.ndarray, num_active_dims: int) -> FactorVAEScore:
    """Majority vote: each latent predicts the factor it was most often voted for in `train_votes` (k, d)."""
    classifier = np.argmax(train_votes, axis=0)
    columns = np.arange(train_votes.shape[1])
    return FactorVAEScore(
        factor_vae=float(eval_votes[classifier, columns].sum() / eval_votes.sum()),
        train_accuracy=float(train_votes[classifier, columns].sum() / train_votes.sum()),
        num_active_dims=num_active_dims,
    )


def least_variance_dims(codes: np.ndarray, global_variances: np.ndarray, active: np.ndarray) -> np.ndarray:
    """For codes (m, batch, d): per batch, the active latent with the least variance / global variance.

    Returned as an index into all d latents (disentanglement_lib returns the position among the
    active ones; the score is the same since that relabels the vote columns one-to-one).
    """
    ratio = np.var(codes, axis=1, ddof=1)[:, active] / global_variances[active]
    return np.flatnonzero(active)[np.argmin(ratio, axis=1)]


def _votes(
    scene: GroundTruthData,
    encode_fn: EncodeFn,
    pool: Any,
    batch_size: int,
    num_points: int,
    rng: np.random.Generator,
    global_variances: np.ndarray,
    active: np.ndarray,
) -> np.ndarray:
    """(k, d) counts of (fixed factor, least-variance latent) over `num_points` batches."""
    names = [spec.name for spec in scene.factors]
    fixed = rng.integers(len(names), size=num_points)
    votes = np.zeros((len(names), len(global_variances)), dtype=np.int64)
    for start, stop in chunks(num_points, batch_size):
        rows, _ = fixed_factor_batches(pool, names, fixed[start:stop], batch_size, rng, share="batch")
        codes = encode_images(encode_fn, scene.render(rows)).reshape(stop - start, batch_size, -1)
        np.add.at(votes, (fixed[start:stop], least_variance_dims(codes, global_variances, active)), 1)
    return votes
