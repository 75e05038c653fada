"""Validate a table of variables once, at the boundary of every scm entry point."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def validate_table(data: Any, name: str = "data", min_rows: int | None = None) -> pd.DataFrame:
    """Return `data` as a float DataFrame with named columns, or raise ValueError.

    Arrays get columns x0..x{d-1}. Rejected: not 2-D, no columns, NaN/inf (the column is
    named), non-numeric or constant columns, duplicate names, and fewer rows than
    `min_rows` (default: the number of columns, the least for a full-rank covariance).
    """
    if isinstance(data, pd.DataFrame):
        frame = data
    else:
        array = np.asarray(data)
        if array.ndim != 2:
            raise ValueError(f"{name} must be 2-D (rows x columns); got an array of shape {array.shape}")
        frame = pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
    if frame.shape[1] == 0:
        raise ValueError(f"{name} has no columns")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        duplicated = sorted({c for c in names if names.count(c) > 1})
        raise ValueError(f"{name} has duplicate column names: {duplicated}")
    non_numeric = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if non_numeric:
        raise ValueError(f"{name} columns must be numeric; non-numeric: {non_numeric}")
    values = frame.to_numpy(dtype=np.float64)
    need = frame.shape[1] if min_rows is None else min_rows
    if values.shape[0] < need:
        raise ValueError(f"{name} has {values.shape[0]} rows but at least {need} are needed "
                         f"({frame.shape[1]} columns)")
    bad = ~np.isfinite(values)
    if bad.any():
        cols = [names[j] for j in np.flatnonzero(bad.any(axis=0))]
        raise ValueError(f"{name} contains NaN or infinite values in column(s) {cols}")
    constant = [names[j] for j in range(values.shape[1]) if values.shape[0] > 0 and np.ptp(values[:, j]) == 0]
    if constant:
        raise ValueError(f"{name} has constant column(s) {constant}; they carry no information about causes")
    return pd.DataFrame(values, columns=names, index=frame.index)
