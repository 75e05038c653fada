"""Validation of the `(latents, factors)` tables every metric takes, and the train/test split."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def as_table(values: Any, name: str) -> np.ndarray:
    """Return `values` as a finite float64 (N, m) array; raise ValueError naming `name` otherwise.

    DataFrame columns that are not numeric (strings, categories) become integer codes
    (sorted category order), so categorical factors can be passed as they are.
    """
    if isinstance(values, pd.DataFrame):
        columns = [
            col if pd.api.types.is_numeric_dtype(col) else pd.Series(pd.factorize(col, sort=True)[0])
            for _, col in values.items()
        ]
        array = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]) if columns else np.empty((len(values), 0))
    else:
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name} must be numeric; got values that cannot be read as numbers ({error})") from None
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D table (N samples, columns); got an array of shape {array.shape}")
    if array.shape[1] == 0:
        raise ValueError(f"{name} must have at least one column; got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values; drop or impute those rows first")
    return array


def column_names(values: Any, prefix: str, count: int) -> list[str]:
    """Column names of a DataFrame, else `prefix0..prefix{count-1}`."""
    if isinstance(values, pd.DataFrame):
        return [str(c) for c in values.columns]
    return [f"{prefix}{i}" for i in range(count)]


def check_pair(latents: Any, factors: Any, min_latents: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Validate a (latents, factors) pair: 2-D, finite, same row count, >= 2 rows, every factor varying."""
    z = as_table(latents, "latents")
    y = as_table(factors, "factors")
    if z.shape[0] != y.shape[0]:
        raise ValueError(
            f"latents has {z.shape[0]} rows but factors has {y.shape[0]}; both need one row per sample"
        )
    if z.shape[0] < 2:
        raise ValueError(f"latents and factors need at least 2 rows (samples); got {z.shape[0]}")
    if z.shape[1] < min_latents:
        raise ValueError(f"latents needs at least {min_latents} columns for this metric; got {z.shape[1]}")
    constant = [j for j in range(y.shape[1]) if np.all(y[:, j] == y[0, j])]
    if constant:
        raise ValueError(
            f"factors column(s) {constant} take a single value; every factor must vary to be scored"
        )
    return z, y


def check_fraction(train_fraction: float, n: int) -> int:
    """Number of training rows for `train_fraction` of `n` (ceil, as disentanglement_lib); both parts non-empty."""
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1; got {train_fraction}")
    n_train = int(np.ceil(n * train_fraction))
    if n_train < 2 or n - n_train < 1:
        raise ValueError(
            f"latents has {n} rows: too few to split with train_fraction={train_fraction} into a train "
            "set of at least 2 rows and a non-empty test set"
        )
    return n_train


def check_labels(y: np.ndarray) -> None:
    """Raise ValueError when a factor column looks continuous (distinct values > half the rows).

    Label-based metrics read each distinct value as a class; a continuous column would make
    every sample its own class (and the DCI classifiers take hours). This guards against raw
    continuous values; it is not the definition of a categorical factor (that is the declared
    kind, `crl.scenes.factors.is_categorical`), since label metrics take discrete factors with
    many classes too (dSprites' 32 positions).
    """
    for j in range(y.shape[1]):
        distinct = len(np.unique(y[:, j]))
        if distinct > len(y) / 2:
            raise ValueError(
                f"factors column {j} has {distinct} distinct values in {len(y)} rows; this metric reads "
                "factors as discrete labels, so bin continuous factors first, e.g. "
                "crl.metrics.histogram_discretize(factors, 20)"
            )
