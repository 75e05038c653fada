"""Few-label views of a factor table: exact, binned, noisy or partially observed labels."""
from __future__ import annotations

from typing import Sequence

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
    """Labels for n randomly chosen rows of `factors`, indexed by row position, in one of four modes.

    exact: true values. binned: continuous factors replaced by the centre of their bin among `bins`
    (default 5) equal-width bins over the factor range; categorical codes unchanged. noisy: in each
    column a `noise_fraction` (default 10%) of the values is replaced by a value drawn uniformly from
    the factor's range (a uniform code for categorical factors). partial: each factor is observed on
    its own random `observed_fraction` (default 50%, at least one row) of the rows, NaN elsewhere.
    """
    if mode not in LABEL_MODES:
        raise ValueError(f"mode must be one of {list(LABEL_MODES)}, got {mode!r}")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= len(factors):
        raise ValueError(f"n must be an integer in 1..{len(factors)} (the number of rows), got {n!r}")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    if not 0.0 <= noise_fraction <= 1.0:
        raise ValueError(f"noise_fraction must be in [0, 1], got {noise_fraction!r}")
    if not 0.0 < observed_fraction <= 1.0:
        raise ValueError(f"observed_fraction must be in (0, 1], got {observed_fraction!r}")
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(factors), size=n, replace=False))
    labels = factors.iloc[rows].copy()
    labels.index = pd.Index(rows)
    for spec in specs:
        column = labels[spec.name].to_numpy(dtype=np.float64, copy=True)
        if mode == "binned" and not spec.is_categorical:
            width = (spec.high - spec.low) / bins
            which = np.clip(np.floor((column - spec.low) / width), 0, bins - 1)
            labels[spec.name] = spec.low + (which + 0.5) * width
        elif mode == "noisy":
            hit = rng.choice(n, size=int(round(noise_fraction * n)), replace=False)
            if spec.is_categorical:
                column[hit] = rng.integers(0, len(spec.categories), size=len(hit))
            else:
                column[hit] = rng.uniform(spec.low, spec.high, size=len(hit))
            labels[spec.name] = column.astype(labels[spec.name].dtype)
        elif mode == "partial":
            seen = rng.choice(n, size=max(1, int(round(observed_fraction * n))), replace=False)
            hidden = np.ones(n, dtype=bool)
            hidden[seen] = False
            column[hidden] = np.nan
            labels[spec.name] = column
    return labels
