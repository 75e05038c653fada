"""Histogram discretisation and discrete mutual information, as disentanglement_lib's `utils.py`."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import mutual_info_score

from crl.metrics.inputs import as_table

NUM_BINS = 20
"""disentanglement_lib's `discretizer.num_bins` in every study config."""


def histogram_discretize(values: Any, num_bins: int = NUM_BINS) -> np.ndarray:
    """Bin each column of an (N, m) array into `num_bins` equal-width bins over its own range.

    Labels are 1..num_bins: `np.digitize` against the left edges of `np.histogram`, exactly
    as disentanglement_lib's `_histogram_discretize`.
    """
    check_num_bins(num_bins)
    values = as_table(values, "values")
    out = np.zeros(values.shape, dtype=np.int64)
    for i in range(values.shape[1]):
        edges = np.histogram(values[:, i], num_bins)[1]
        out[:, i] = np.digitize(values[:, i], edges[:-1])
    return out


def check_num_bins(num_bins: int) -> None:
    """Raise ValueError unless `num_bins` is an integer >= 2."""
    if isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) or num_bins < 2:
        raise ValueError(f"num_bins must be an integer >= 2; got {num_bins!r}")


def discrete_mutual_info(codes: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(d, k) matrix of mutual information in nats between discrete code columns and label columns."""
    return np.array(
        [[mutual_info_score(labels[:, j], codes[:, i]) for j in range(labels.shape[1])] for i in range(codes.shape[1])]
    )


def discrete_entropy(labels: np.ndarray) -> np.ndarray:
    """Entropy in nats of each discrete label column (its mutual information with itself)."""
    return np.array([mutual_info_score(labels[:, j], labels[:, j]) for j in range(labels.shape[1])])
