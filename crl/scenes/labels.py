"""Few-label views of a factor table: exact, binned, noisy or partially observed labels."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crl.scenes.factors import Factor

LABEL_MODES = ("exact", "binned", "noisy", "partial")


def make_labels(
    factors: pd.DataFrame,
    specs: Sequence[Factor],
    n: int = 100,
    mode: str = "exact",
    seed: int = 0,
    bins: int = 5,
    noise_fraction: float = 0.1,
    observed_fraction: float = 0.5,
) -> pd.DataFrame:
    """Labels for a few random rows of a factor table, exact or made imprecise in one of three ways.

    Real annotation is scarce and imperfect; these modes let a study ask how much a learner
    depends on label quality (Locatello et al. 2020, "Disentangling Factors of Variation Using
    Few Labels").

    Parameters
    ----------
    factors : pandas.DataFrame
        The factor values of every row (one column per factor).
    specs : Sequence[Factor]
        The factors' declarations (kinds and ranges).
    n : int
        How many rows get labels, 1..len(factors).
    mode : {"exact", "binned", "noisy", "partial"}
        exact: the true values. binned: continuous factors replaced by the centre of their bin
        among `bins` equal-width bins over the factor's range; categorical codes unchanged.
        noisy: in each column a `noise_fraction` of the values is replaced by a value drawn
        uniformly from the factor's range (a uniform code for categorical factors). partial:
        each factor observed on its own random `observed_fraction` of the rows (at least one),
        NaN elsewhere.
    seed : int
        Seeds the rows chosen and the imprecision.
    bins : int
        Bins per continuous factor in "binned" mode.
    noise_fraction : float
        Share of replaced values per column in "noisy" mode, in [0, 1].
    observed_fraction : float
        Share of observed values per column in "partial" mode, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        The labels, indexed by row position in `factors`.
    """
    _check_options(len(factors), n, mode, bins, noise_fraction, observed_fraction)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(factors), size=n, replace=False))
    labels = factors.iloc[rows].copy()
    labels.index = pd.Index(rows)
    for spec in specs:
        labels[spec.name] = _degrade(labels[spec.name], spec, mode, rng, bins, noise_fraction, observed_fraction)
    return labels


def _degrade(labels: pd.Series, spec: Factor, mode: str, rng: np.random.Generator, bins: int,
             noise_fraction: float, observed_fraction: float) -> pd.Series | np.ndarray:
    """One label column made imprecise as `mode` says (see `make_labels`)."""
    n = len(labels)
    column = labels.to_numpy(dtype=np.float64, copy=True)
    if mode == "binned" and not spec.is_categorical:
        width = (spec.high - spec.low) / bins
        which = np.clip(np.floor((column - spec.low) / width), 0, bins - 1)
        return spec.low + (which + 0.5) * width
    if mode == "noisy":
        hit = rng.choice(n, size=int(round(noise_fraction * n)), replace=False)
        if spec.is_categorical:
            column[hit] = rng.integers(0, len(spec.categories or ()), size=len(hit))
        else:
            column[hit] = rng.uniform(spec.low, spec.high, size=len(hit))
        return column.astype(labels.dtype)
    if mode == "partial":
        seen = rng.choice(n, size=max(1, int(round(observed_fraction * n))), replace=False)
        hidden = np.ones(n, dtype=bool)
        hidden[seen] = False
        column[hidden] = np.nan
        return column
    return labels


def _check_options(rows: int, n: int, mode: str, bins: int, noise_fraction: float, observed_fraction: float) -> None:
    """Raise ValueError naming the first option of `make_labels` that is out of bounds."""
    if mode not in LABEL_MODES:
        raise ValueError(f"mode must be one of {list(LABEL_MODES)}, got {mode!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= rows:
        raise ValueError(f"n must be an integer in 1..{rows} (the number of rows), got {n!r}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    if not 0.0 <= noise_fraction <= 1.0:
        raise ValueError(f"noise_fraction must be in [0, 1], got {noise_fraction!r}")
    if not 0.0 < observed_fraction <= 1.0:
        raise ValueError(f"observed_fraction must be in (0, 1], got {observed_fraction!r}")
