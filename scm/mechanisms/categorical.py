"""Discrete nodes: multinomial logistic regression on the parents, with inverse-CDF noise.

Noise convention: u ~ Uniform(0, 1); the value is the first class k (classes in sorted order)
with P(class <= k | parents) >= u. Abduction draws u uniformly inside the observed class's
interval [F(k-1), F(k)), the exact posterior of u given the observation; counterfactuals then
re-use u under the new parents (a monotone, rank-preserving choice of the noise coupling).
"""
from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from scm.mechanisms.base import Mechanism


class CategoricalMechanism(Mechanism):
    """P(x = k | parents) by multinomial logistic regression (L2, C=`C`, standardised inputs).

    Values are integer class codes 0..K-1 (the SCM maps them to labels). A node without
    parents uses the observed class frequencies.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 1000) -> None:
        self.C = C
        self.max_iter = max_iter

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> CategoricalMechanism:
        """Fit class probabilities given parents; `y` holds codes 0..K-1."""
        codes = np.asarray(y, dtype=np.int64)
        self.n_classes_ = int(codes.max()) + 1
        if X.shape[1] == 0:
            self.model_ = None
            self.frequencies_ = np.bincount(codes, minlength=self.n_classes_) / len(codes)
        else:
            self.model_ = make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter))
            self.model_.fit(X, codes)
        return self

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (n, K) given the parent design `X`."""
        if self.model_ is None:
            return np.tile(self.frequencies_, (X.shape[0], 1))
        proba = np.zeros((X.shape[0], self.n_classes_))
        proba[:, self.model_.classes_] = self.model_.predict_proba(X)
        return proba

    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """u ~ Uniform(0, 1)."""
        return rng.uniform(0.0, 1.0, size=n)

    def evaluate(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Inverse CDF: the first class whose cumulative probability reaches u."""
        cdf = np.cumsum(self.probabilities(X), axis=1)
        codes = (cdf < np.asarray(noise)[:, None]).sum(axis=1)
        return np.minimum(codes, self.n_classes_ - 1)

    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """u drawn uniformly in [F(y-1), F(y)): the posterior of the noise given the observed class."""
        codes = np.asarray(y, dtype=np.int64)
        cdf = np.cumsum(self.probabilities(X), axis=1)
        rows = np.arange(len(codes))
        upper = cdf[rows, codes]
        lower = np.where(codes > 0, cdf[rows, np.maximum(codes - 1, 0)], 0.0)
        return lower + (upper - lower) * rng.uniform(0.0, 1.0, size=len(codes))
