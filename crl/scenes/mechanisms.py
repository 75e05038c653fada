"""Mechanism helpers shared by the built-in scenes: turning a factor's U(0, 1) exogenous variable into values."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.special import ndtri

from crl.scenes.factors import Factor

_EPS = 1e-12


def standard_normal(u: np.ndarray) -> np.ndarray:
    """N(0, 1) noise from U(0, 1) noise by the inverse normal CDF (u is clipped away from 0 and 1)."""
    return ndtri(np.clip(u, _EPS, 1.0 - _EPS))


def uniform_root(factor: Factor) -> Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]:
    """A root mechanism drawing uniformly over the factor's range (uniformly over the codes if categorical)."""
    if factor.is_categorical:
        count = len(factor.categories or ())
        return lambda parents, u: np.minimum(np.floor(u * count), count - 1)
    low, high = factor.low, factor.high
    return lambda parents, u: low + u * (high - low)


def grid_root(grid: Sequence[float] | np.ndarray) -> Callable[[Mapping[str, np.ndarray], np.ndarray], np.ndarray]:
    """A root mechanism drawing uniformly from a finite grid of values (as dSprites does)."""
    values = np.asarray(grid, dtype=np.float64)
    return lambda parents, u: values[np.minimum((u * len(values)).astype(np.int64), len(values) - 1)]


def check_noise_scale(noise_scale: float) -> float:
    """Return `noise_scale` as a float if it is finite and >= 0, else raise ValueError."""
    try:
        value = float(noise_scale)
    except (TypeError, ValueError):
        raise ValueError(f"noise_scale must be a number >= 0, got {noise_scale!r}") from None
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"noise_scale must be a finite number >= 0, got {noise_scale!r}")
    return value
