"""Mean correlation coefficient (as in iVAE, Khemakhem et al. 2020): how well latents match
factors one-to-one, up to permutation, sign and (for Spearman) monotone rescaling."""
from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import rankdata

from crl.metrics.inputs import check_pair

METHODS = ("pearson", "spearman")


def mcc(latents: Any, factors: Any, method: str = "pearson") -> float:
    """Mean absolute correlation over a one-to-one matching of latents to factors (Hungarian, maximising).

    Works for d != k: min(d, k) pairs are matched and averaged, so unmatched factors (when
    d < k) do not lower the score. A constant latent correlates 0 with everything.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    z, y = check_pair(latents, factors)
    corr = np.abs(correlation_matrix(z, y, method))
    rows, cols = linear_sum_assignment(corr, maximize=True)
    return float(corr[rows, cols].mean())


def correlation_matrix(z: np.ndarray, y: np.ndarray, method: str = "pearson") -> np.ndarray:
    """(d, k) Pearson or Spearman correlation between each latent column and each factor column."""
    if method == "spearman":
        z, y = rankdata(z, axis=0), rankdata(y, axis=0)
    zc, yc = z - z.mean(axis=0), y - y.mean(axis=0)
    norm = np.outer(np.linalg.norm(zc, axis=0), np.linalg.norm(yc, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = (zc.T @ yc) / norm
    return np.where(norm > 0, corr, 0.0)
