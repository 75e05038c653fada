"""Distributions of root nodes (no parents): the observed values resampled, or a fitted Gaussian."""
from __future__ import annotations

import numpy as np

from scm.mechanisms.linear import LinearMechanism


class EmpiricalRoot(LinearMechanism):
    """Root node resampled from its observed values (x = mean + centred residual, so samples are data values)."""

    def __init__(self) -> None:
        super().__init__(noise="empirical")

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> EmpiricalRoot:
        """Store the observed values (as residuals around their mean)."""
        _require_no_parents(X)
        super().fit(X, y, rng)
        return self


class GaussianRoot(LinearMechanism):
    """Root node drawn from N(mean, std) fitted to its observed values."""

    def __init__(self) -> None:
        super().__init__(noise="gaussian")

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> GaussianRoot:
        """Fit mean and standard deviation."""
        _require_no_parents(X)
        super().fit(X, y, rng)
        return self


def _require_no_parents(X: np.ndarray) -> None:
    if X.shape[1] != 0:
        raise ValueError(f"a root distribution takes no parents; got a design with {X.shape[1]} columns")
