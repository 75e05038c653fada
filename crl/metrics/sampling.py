"""Drawing (latents, factors) tables and intervened factor batches from a scene.

A scene here is any `crl.protocols.GroundTruthData`: `scene.factors` (factor declarations with
name, kind, low, high, categories), `scene.sample(n, seed=)` returning an object with `.images`
and `.factors` (DataFrame), and `scene.render(factors_df) -> images`. A factor is categorical
when declared so (`crl.scenes.factors.is_categorical`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crl.metrics.discretize import NUM_BINS
from crl.protocols import GroundTruthData
from crl.scenes.factors import is_categorical

EncodeFn = Callable[[np.ndarray], Any]
ENCODE_BATCH = 256
"""Images encoded per call of `encode_fn`; results do not depend on it."""


def check_scene(scene: GroundTruthData, encode_fn: Any) -> None:
    """Raise ValueError unless `scene` has the scene interface and `encode_fn` is callable."""
    missing = [a for a in ("factors", "sample", "render") if not hasattr(scene, a)]
    if missing:
        raise ValueError(f"scene must provide .factors, .sample and .render; {type(scene).__name__} lacks {missing}")
    if len(scene.factors) == 0:
        raise ValueError("scene must have at least one factor in scene.factors")
    if not callable(encode_fn):
        raise ValueError(f"encode_fn must be callable (images -> latents); got {type(encode_fn).__name__}")


def check_count(value: int, name: str, minimum: int = 1) -> None:
    """Raise ValueError unless `value` is an integer >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")


def encode_images(encode_fn: EncodeFn, images: np.ndarray) -> np.ndarray:
    """Encode images in batches and return a finite float64 (N, d) array."""
    parts = []
    for start in range(0, len(images), ENCODE_BATCH):
        out = encode_fn(images[start : start + ENCODE_BATCH])
        out = out.to_numpy() if isinstance(out, pd.DataFrame) else out
        parts.append(np.asarray(out, dtype=np.float64).reshape(len(images[start : start + ENCODE_BATCH]), -1))
    latents = np.concatenate(parts, axis=0)
    if not np.isfinite(latents).all():
        raise ValueError("encode_fn returned NaN or infinite latents")
    return latents


def factor_values(scene: GroundTruthData, factors: pd.DataFrame) -> np.ndarray:
    """(N, k) float values of the scene's factors.

    Categorical factors stored as numbers (crl.scenes stores codes 0..K-1) are kept as they
    are; ones stored as names become their index in `categories` (or sorted order).
    """
    columns = []
    for spec in scene.factors:
        col = factors[spec.name]
        if not is_categorical(spec) or pd.api.types.is_numeric_dtype(col):
            columns.append(col.to_numpy(dtype=np.float64))
            continue
        categories = getattr(spec, "categories", None)
        if categories is not None:
            codes = pd.Categorical(col, categories=list(categories)).codes
        else:
            codes = pd.factorize(col, sort=True)[0]
        columns.append(np.asarray(codes, dtype=np.float64))
    return np.column_stack(columns)


def factor_labels(scene: GroundTruthData, factors: pd.DataFrame, num_bins: int = NUM_BINS) -> np.ndarray:
    """(N, k) integer labels: one per distinct categorical value, `num_bins` equal-width bins if continuous.

    Continuous bins span the factor's declared [low, high] (so a train and a test draw share
    bins); where the scene declares no finite range, the sampled range is used.
    """
    values = factor_values(scene, factors)
    labels = np.empty(values.shape, dtype=np.int64)
    for j, spec in enumerate(scene.factors):
        if is_categorical(spec):
            labels[:, j] = pd.factorize(values[:, j], sort=True)[0]
            continue
        low, high = getattr(spec, "low", None), getattr(spec, "high", None)
        if low is None or high is None or not np.isfinite([low, high]).all() or high <= low:
            low, high = values[:, j].min(), values[:, j].max()
        edges = np.linspace(low, high, num_bins + 1)
        labels[:, j] = np.digitize(values[:, j], edges[:-1])
    return labels


@dataclass(frozen=True)
class Table:
    """A sampled table: latents (N, d), discrete factor labels (N, k), raw factor values (N, k)."""

    latents: np.ndarray
    labels: np.ndarray
    values: np.ndarray


def sample_table(scene: GroundTruthData, encode_fn: EncodeFn, n: int, seed: int, num_bins: int = NUM_BINS) -> Table:
    """Sample `n` observations from the scene, encode them, and return latents with their factors."""
    draw = scene.sample(n, seed=seed)
    return Table(
        latents=encode_images(encode_fn, draw.images),
        labels=factor_labels(scene, draw.factors, num_bins),
        values=factor_values(scene, draw.factors),
    )


def fixed_factor_batches(
    pool: pd.DataFrame, names: list[str], fixed: np.ndarray, batch_size: int, rng: np.random.Generator, share: str
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Factor rows for len(fixed) batches of `batch_size`, batch p holding factor `fixed[p]` fixed.

    Rows are drawn with replacement from `pool` (a sample of the scene's factors).
    share="batch": one table, the fixed factor takes the batch's first value in every row
    (FactorVAE score). share="pairs": two tables, the second copies the fixed factor of the
    first row by row (BetaVAE score).
    """
    count = len(fixed)
    first = pool.iloc[rng.integers(len(pool), size=count * batch_size)].reset_index(drop=True)
    mask_of = {j: np.repeat(fixed == j, batch_size) for j in np.unique(fixed)}
    if share == "batch":
        for j, mask in mask_of.items():
            column = first[names[j]].to_numpy()
            first.loc[mask, names[j]] = np.repeat(column[::batch_size][fixed == j], batch_size)
        return first, None
    second = pool.iloc[rng.integers(len(pool), size=count * batch_size)].reset_index(drop=True)
    for j, mask in mask_of.items():
        second.loc[mask, names[j]] = first.loc[mask, names[j]].to_numpy()
    return first, second


def chunks(total: int, batch_size: int, rows_per_chunk: int = 4096) -> list[tuple[int, int]]:
    """Split `total` batches into (start, stop) ranges of about `rows_per_chunk` rendered rows each."""
    step = max(1, rows_per_chunk // batch_size)
    return [(s, min(s + step, total)) for s in range(0, total, step)]
