"""Latent-factor alignment: how well the model's named concept columns match the true factors.

Per factor: Pearson r and the coefficient of determination R^2 of the concept column read
directly as a prediction of the factor in label units (so a wrong scale or offset lowers it,
unlike r^2), or accuracy for categorical factors (codes, concept rounded to the nearest).
The overall MCC comes from `crl.metrics.mcc`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crl.evaluation.factors import is_categorical


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    denom = np.sqrt((x ** 2).sum() * (y ** 2).sum())
    return float((x * y).sum() / denom) if denom > 0 else 0.0


def alignment_table(concepts: pd.DataFrame, factors: pd.DataFrame, definitions: Mapping[str, Any]) -> pd.DataFrame:
    """One row per factor: the same-named concept's Pearson r and R^2 (continuous) or accuracy (categorical)."""
    missing = sorted(set(definitions) - set(concepts.columns))
    if missing:
        raise ValueError(f"the model has no concept column for factor(s) {missing}; "
                         f"its columns are {list(concepts.columns)}")
    rows = []
    for name, factor in definitions.items():
        c, f = concepts[name].to_numpy(), factors[name].to_numpy()
        if is_categorical(factor):
            rows.append({"factor": name, "kind": "categorical", "pearson_r": np.nan, "r2": np.nan,
                         "accuracy": float(np.mean(np.rint(c.astype(float)) == f.astype(float)))})
            continue
        c, f = c.astype(float), f.astype(float)
        total = ((f - f.mean()) ** 2).sum()
        r2 = 1.0 - ((f - c) ** 2).sum() / total if total > 0 else np.nan
        rows.append({"factor": name, "kind": "continuous", "pearson_r": _pearson(c, f), "r2": float(r2),
                     "accuracy": np.nan})
    return pd.DataFrame(rows, columns=["factor", "kind", "pearson_r", "r2", "accuracy"])
