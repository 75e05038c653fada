"""What every mechanism of an SCM node does, and the shared additive-noise form x = f(parents) + eps."""
from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Mechanism(ABC):
    """One node's structural equation: fit on (parent design, values), draw noise, evaluate, abduct noise."""

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> Mechanism:
        """Fit on a design matrix `X` (n, k) of parent values and the node's values `y` (n,)."""

    @abstractmethod
    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draw `n` exogenous noise values from the fitted noise distribution."""

    @abstractmethod
    def evaluate(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """The node's value for parent design `X` and exogenous `noise` (one per row)."""

    @abstractmethod
    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Noise consistent with observed values `y` given parents `X` (exact for additive noise)."""


class AdditiveNoiseMechanism(Mechanism):
    """x = f(parents) + eps; eps is resampled from the fitted residuals ("empirical") or N(0, std) ("gaussian").

    Subclasses implement `_fit_function` and `predict`. Abduction is exact: eps = x - f(parents).
    """

    residuals_: np.ndarray | None  # None where only the noise scale is known (`LinearMechanism.from_parameters`)

    def __init__(self, noise: str = "empirical") -> None:
        if noise not in ("empirical", "gaussian"):
            raise ValueError(f"noise must be 'empirical' or 'gaussian'; got {noise!r}")
        self.noise = noise

    @abstractmethod
    def _fit_function(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> None:
        """Fit f on (X, y)."""

    @abstractmethod
    def predict(self, X: np.ndarray) -> np.ndarray:
        """f(parents): the conditional mean of the node given its parent design `X`."""

    def fit(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> AdditiveNoiseMechanism:
        """Fit f, then keep the residuals as the empirical noise distribution and their std."""
        self._fit_function(X, y, rng)
        self.set_residuals(y - self.predict(X))
        return self

    def set_residuals(self, residuals: np.ndarray) -> None:
        """Store the noise distribution: the residuals themselves and their standard deviation."""
        self.residuals_ = np.asarray(residuals, dtype=np.float64)
        self.std_ = float(np.std(self.residuals_))

    def sample_noise(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Bootstrap the residuals (empirical) or draw N(0, std_) (gaussian)."""
        if self.noise == "gaussian" or self.residuals_ is None:
            return rng.normal(0.0, self.std_, size=n)
        return rng.choice(self.residuals_, size=n, replace=True)

    def evaluate(self, X: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """f(X) + noise."""
        return self.predict(X) + noise

    def abduct(self, X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """eps = y - f(X): exact, no randomness used."""
        return np.asarray(y, dtype=np.float64) - self.predict(X)
