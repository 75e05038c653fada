"""Tables of variables: checked once at the boundary of every scm entry point, and which columns are discrete."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from scm.thresholds import MAX_LEVELS


def validate_table(data: Any, name: str = "data", min_rows: int | None = None) -> pd.DataFrame:
    """`data` as a float DataFrame with named columns, or a ValueError that names what is wrong.

    Rejected: not 2-D, no columns, NaN/inf (the column is named), non-numeric or constant
    columns, duplicate names, and too few rows.

    Parameters
    ----------
    data : DataFrame or array-like (n_rows, n_columns)
        The table; arrays get columns x0..x{d-1}.
    name : str
        The argument's name, for the error messages.
    min_rows : int, optional
        The fewest rows accepted (default: the number of columns, the least for a full-rank covariance).

    Returns
    -------
    DataFrame
        Float columns named as strings, with the index of `data`.
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
    with np.errstate(over="ignore", invalid="ignore"):
        huge = [names[j] for j in range(values.shape[1]) if not np.isfinite(np.var(values[:, j]))]
    if huge:  # their squares overflow: every covariance and regression on them is NaN
        raise ValueError(f"{name} column(s) {huge} hold values too large to square in float64; rescale them")
    constant = [names[j] for j in range(values.shape[1]) if values.shape[0] > 0 and np.ptp(values[:, j]) == 0]
    if constant:
        raise ValueError(f"{name} has constant column(s) {constant}; they carry no information about causes")
    return pd.DataFrame(values, columns=names, index=frame.index)


def is_discrete(values: Any, max_levels: int = MAX_LEVELS) -> bool:
    """Whether a column holds categories rather than measurements.

    Non-numeric and boolean values are categories; numbers are when all are whole numbers taking at
    most `max_levels` distinct values (a category read out as a class code, whatever the dtype).

    Parameters
    ----------
    values : array-like or Series
        One column.
    max_levels : int
        The most distinct whole numbers a discrete column takes (default `scm.thresholds.MAX_LEVELS`).

    Returns
    -------
    bool
    """
    column = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return True
    numbers = column.to_numpy(dtype=np.float64)
    return bool(np.all(numbers == np.round(numbers))) and len(np.unique(numbers)) <= max_levels
