"""Linear-Gaussian style mechanism: ordinary least squares on the parents plus additive noise."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from scm.mechanisms.base import AdditiveNoiseMechanism


class LinearMechanism(AdditiveNoiseMechanism):
    """x = intercept + X @ coef + eps, fitted by OLS; eps from the residuals (default) or N(0, std).

    `coef_` follows the column order of the parent design matrix given to `fit`.
    """

    def _fit_function(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        design = np.column_stack([np.ones(len(y)), X])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        self.intercept_ = float(beta[0])
        self.coef_ = beta[1:]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """intercept_ + X @ coef_."""
        return self.intercept_ + np.asarray(X, dtype=np.float64) @ self.coef_

    @classmethod
    def from_parameters(cls, coef: ArrayLike, intercept: float, std: float) -> LinearMechanism:
        """A fitted linear mechanism with Gaussian noise N(0, std) from known parameters (e.g. a pgmpy CPD)."""
        if not np.isfinite(std) or std <= 0:
            raise ValueError(f"std must be a positive finite number; got {std!r}")
        mechanism = cls(noise="gaussian")
        mechanism.coef_ = np.asarray(coef, dtype=np.float64).reshape(-1)
        mechanism.intercept_ = float(intercept)
        mechanism.residuals_ = None
        mechanism.std_ = float(std)
        return mechanism
