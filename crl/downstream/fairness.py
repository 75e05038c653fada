"""Unfairness of classifiers trained on a representation: disentanglement_lib's `evaluation/metrics/fairness.py`.

Locatello et al. (2019), "On the Fairness of Disentangled Representations", Section 4. For each
target factor i one classifier (boosted trees) learns to predict i's class from the representation
of `num_train` sampled images. For each other, sensitive, factor j, `num_test_points_per_class`
factor rows are drawn, and j is set to each of its classes c in turn (every other factor kept):
the images of those rows are rendered and classified, giving counts of predicted classes of i per
class c of j. Demographic parity asks that the distribution of predictions not depend on c; its
violation is the total variation distance between each class's prediction distribution and the
pooled one, averaged over classes weighted by their counts (mean) or at its worst class (max).

The keys are disentanglement_lib's, for both the mean and the max variant (``prefix`` =
"mean_fairness" or "max_fairness"): ``{prefix}:pred{i}:sens{j}`` per pair, then per target
(``{prefix}:pred{i}:mean_sens`` / ``max_sens``), per sensitive factor (``{prefix}:sens{j}:mean_pred``
/ ``max_pred``), and overall (``{prefix}:mean_pred:mean_sens`` and the seven other mean/max
combinations). The paper's unfairness score is ``mean_fairness:mean_pred:mean_sens``: 0 is fair.

Setting factor j and keeping the others is disentanglement_lib's intervention on data sets whose
factors are independent; on a scene with a causal graph it holds j's descendants fixed (the
scene's mechanisms are not re-run), which is what "the same image with only j changed" means.
One draw of rows serves every target of a sensitive factor (disentanglement_lib draws per pair):
it renders k instead of k(k-1) batches and changes no definition.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crl.downstream.classes import Represent, check_inputs, child_seeds, class_values, factor_classes
from crl.downstream.predictors import check_predictor, fit_predictor
from crl.metrics.sampling import check_count, encode_images
from crl.scenes.factors import is_categorical

NUM_TRAIN = 10_000
NUM_TEST_POINTS_PER_CLASS = 100
"""disentanglement_lib's `fairness.num_train` and `fairness.num_test_points_per_class` (fairness_study_v1)."""
PREFIXES = ("mean_fairness", "max_fairness")


def inter_group_fairness(counts: np.ndarray) -> tuple[float, float]:
    """Mean and max total variation between each sensitive class's prediction distribution and the pooled one.

    Parameters
    ----------
    counts : numpy.ndarray
        (predicted classes, sensitive classes) counts of predictions; every column non-empty.

    Returns
    -------
    tuple of float
        The distances averaged over sensitive classes weighted by their counts, and their maximum
        (in float64; disentanglement_lib divides in float32, so its values differ from these by ~1e-7).
    """
    counts = np.asarray(counts, dtype=np.float64)
    per_class = counts.sum(axis=0)
    if counts.ndim != 2 or np.any(per_class <= 0):
        raise ValueError(f"counts must be a 2-D (predicted, sensitive) table with a prediction in every column; "
                         f"got shape {counts.shape}, column totals {per_class.tolist()}")
    pooled = counts.sum(axis=1) / counts.sum()
    distances = np.abs(counts / per_class[None, :] - pooled[:, None]).sum(axis=0) / 2.0
    return float(np.sum(distances * per_class) / per_class.sum()), float(np.max(distances))


def aggregate(matrix: np.ndarray, prefix: str) -> dict[str, float]:
    """disentanglement_lib's `compute_scores_dict` of a (target, sensitive) matrix, diagonal left out.

    Each pair; each target's mean and max over sensitive factors (row); each sensitive factor's mean
    and max over targets (column); and the mean and max over targets of the row scores
    (``{prefix}:{mean|max}_pred:{mean|max}_sens``) and over sensitive factors of the column scores
    (``{prefix}:{mean|max}_sens:{mean|max}_pred``).
    """
    k = matrix.shape[0]
    off = ~np.eye(k, dtype=bool)
    result = {f"{prefix}:pred{i}:sens{j}": float(matrix[i, j]) for i in range(k) for j in range(k) if i != j}
    rows = [matrix[i, off[i]] for i in range(k)]
    columns = [matrix[off[:, j], j] for j in range(k)]
    for i, row in enumerate(rows):
        result[f"{prefix}:pred{i}:mean_sens"] = float(np.mean(row))
        result[f"{prefix}:pred{i}:max_sens"] = float(np.max(row))
    for j, column in enumerate(columns):
        result[f"{prefix}:sens{j}:mean_pred"] = float(np.mean(column))
        result[f"{prefix}:sens{j}:max_pred"] = float(np.max(column))
    row_mean, row_max = [float(np.mean(r)) for r in rows], [float(np.max(r)) for r in rows]
    col_mean, col_max = [float(np.mean(c)) for c in columns], [float(np.max(c)) for c in columns]
    for name, reduce in (("mean", np.mean), ("max", np.max)):
        result[f"{prefix}:{name}_sens:mean_pred"] = float(reduce(col_mean))
        result[f"{prefix}:{name}_sens:max_pred"] = float(reduce(col_max))
        result[f"{prefix}:{name}_pred:mean_sens"] = float(reduce(row_mean))
        result[f"{prefix}:{name}_pred:max_sens"] = float(reduce(row_max))
    return result


def unfairness_from_counts(counts: Mapping[tuple[int, int], np.ndarray], num_factors: int) -> dict[str, float]:
    """All unfairness scores from prediction counts per (target i, sensitive j) pair, i != j.

    Parameters
    ----------
    counts : mapping of (int, int) to numpy.ndarray
        ``counts[i, j]``: (classes of i, classes of j) counts of predictions of i under each class of j.
    num_factors : int
        k >= 2; every ordered pair of distinct factors must be present.

    Returns
    -------
    dict of str to float
        The "mean_fairness:..." and "max_fairness:..." keys (see the module docstring).
    """
    check_count(num_factors, "num_factors", 2)
    missing = [(i, j) for i in range(num_factors) for j in range(num_factors) if i != j and (i, j) not in counts]
    if missing:
        raise ValueError(f"counts lacks the (target, sensitive) pair(s) {missing}; "
                         "every ordered pair of distinct factors is needed")
    mean, worst = np.zeros((num_factors, num_factors)), np.zeros((num_factors, num_factors))
    for (i, j), table in counts.items():
        mean[i, j], worst[i, j] = inter_group_fairness(table)
    return {**aggregate(mean, PREFIXES[0]), **aggregate(worst, PREFIXES[1])}


def unfairness(
    represent: Represent,
    data: Any,
    *,
    num_train: int = NUM_TRAIN,
    num_test_points_per_class: int = NUM_TEST_POINTS_PER_CLASS,
    seed: int = 0,
    predictor: str = "gbt",
) -> dict[str, float]:
    """Unfairness scores of a representation on a scene or data set (see the module docstring).

    Parameters
    ----------
    represent : callable
        uint8 images (N, H, W, C) -> (N, d) array, e.g. ``encoders.Encoder.encode``.
    data : scene or data set
        Gives ``factors``, ``sample(n, seed=)`` and ``render(factors_df)``; at least two factors.
        Factor classes as `crl.downstream.classes` (a sensitive factor is set to each class's value).
    num_train : int
        Points the classifiers learn from (disentanglement_lib: 10,000).
    num_test_points_per_class : int
        Rows rendered per class of each sensitive factor (disentanglement_lib: 100).
    seed : int
        Seeds every draw and the boosted trees.
    predictor : {"gbt", "logistic_regression"}
        The classifier; disentanglement_lib's fairness study uses boosted trees.

    Returns
    -------
    dict of str to float
        As `unfairness_from_counts`; ``"mean_fairness:mean_pred:mean_sens"`` is the paper's score.
    """
    check_inputs(represent, data, render=True)
    check_predictor(predictor)
    check_count(num_train, "num_train", 2)
    check_count(num_test_points_per_class, "num_test_points_per_class", 1)
    k = len(data.factors)
    if k < 2:
        raise ValueError(f"unfairness needs at least two factors (a target and a sensitive one); data has {k}")
    values = class_values(data)
    seeds = child_seeds(seed, k + 1)
    draw = data.sample(num_train, seed=seeds[0])
    z, y = encode_images(represent, draw.images), factor_classes(data, draw.factors, values)
    models = [fit_predictor(predictor, z, y[:, i], seed) for i in range(k)]
    counts: dict[tuple[int, int], np.ndarray] = {}
    for j in range(k):
        base = data.sample(num_test_points_per_class, seed=seeds[1 + j]).factors
        z_set = encode_images(represent, data.render(_set_factor(data, base, j, values[j])))
        for i in range(k):
            if i != j:
                predicted = models[i].predict(z_set).astype(np.int64).reshape(len(values[j]), len(base))
                counts[i, j] = np.stack([np.bincount(p, minlength=len(values[i])) for p in predicted], axis=1)
    return unfairness_from_counts(counts, k)


def _set_factor(data: Any, base: pd.DataFrame, j: int, values: np.ndarray) -> pd.DataFrame:
    """The rows of `base` once per class value of factor j (class-major), factor j set to that value."""
    spec = data.factors[j]
    table = pd.concat([base] * len(values), ignore_index=True)
    column = np.repeat(values, len(base))
    table[spec.name] = column.astype(np.int64) if is_categorical(spec) else column  # codes stay integers
    return table

