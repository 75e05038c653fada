"""Factor declarations, the checks every scene applies to factor values, and what "categorical" means.

One definition of a categorical (discrete) factor serves crl.scenes and crl.metrics: a factor is
categorical when it is declared so (`is_categorical`). A column of values with no declaration is
judged by `scm.tables.is_discrete` (whole numbers with at most `scm.thresholds.MAX_LEVELS`
distinct values, or non-numeric values), the rule scm and the encoders' labels use too.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

KINDS = ("continuous", "categorical")


@dataclass(frozen=True)
class Factor:
    """One ground-truth variable of a scene: its name, kind, range and unit.

    Declaring kind and range once lets every query check values at the boundary, and lets
    metrics and evaluation compare or bin the factor the right way.

    Parameters
    ----------
    name : str
        The factor's column name in every table.
    kind : {"continuous", "categorical"}
        Categorical factors are stored as integer codes 0..K-1.
    low, high : float
        The range of a continuous factor; for a categorical one they become 0 and K-1.
    categories : tuple of str, optional
        Names of a categorical factor's codes, in order (at least two); None for continuous ones.
    unit : str
        The unit of a continuous factor's values, shown in listings.
    """

    name: str
    kind: str = "continuous"
    low: float = 0.0
    high: float = 1.0
    categories: tuple[str, ...] | None = None
    unit: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Factor name must be a non-empty string, got {self.name!r}")
        if self.kind not in KINDS:
            raise ValueError(f"Factor {self.name!r}: kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "categorical":
            if not self.categories or len(self.categories) < 2:
                raise ValueError(f"Factor {self.name!r}: a categorical factor needs categories (at least two names)")
            object.__setattr__(self, "categories", tuple(str(c) for c in self.categories))
            object.__setattr__(self, "low", 0.0)
            object.__setattr__(self, "high", float(len(self.categories) - 1))
        else:
            if self.categories is not None:
                raise ValueError(f"Factor {self.name!r}: categories are only for categorical factors")
            if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
                raise ValueError(f"Factor {self.name!r}: need finite low < high, got low={self.low}, high={self.high}")

    @property
    def is_categorical(self) -> bool:
        """True for integer-coded categorical factors (see `is_categorical`)."""
        return is_categorical(self)

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Map raw mechanism output into the declared range (categorical: round to a valid code)."""
        values = np.clip(np.asarray(values, dtype=np.float64), self.low, self.high)
        return np.rint(values) if self.is_categorical else values

    def coerce(self, value: Any, argument: str | None = None) -> float:
        """Check one user-given value and return it as a float in range.

        Parameters
        ----------
        value : float, int or str
            A number in the factor's range, or for a categorical factor a category name or code.
        argument : str, optional
            How error messages name the value (default ``factor '<name>'``), e.g. ``do['light']``.

        Returns
        -------
        float
            The value (a category's code for a name).
        """
        label = argument or f"factor {self.name!r}"
        if self.is_categorical and isinstance(value, str):
            categories = self.categories or ()
            if value not in categories:
                raise ValueError(f"{label}: unknown category {value!r}; expected one of {list(categories)}")
            return float(categories.index(value))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{label}: expected a number, got {value!r}") from None
        if not self.low <= number <= self.high:
            raise ValueError(f"{label}: value {number} is outside its range [{self.low}, {self.high}]")
        if self.is_categorical and number != int(number):
            raise ValueError(f"{label}: expected an integer category code 0..{int(self.high)}, got {number}")
        return number

    def check_values(self, values: np.ndarray, argument: str) -> np.ndarray:
        """Check an array of this factor's values (finite, in range, integer codes if categorical).

        Parameters
        ----------
        values : numpy.ndarray
            One value per row.
        argument : str
            How error messages name the values.

        Returns
        -------
        numpy.ndarray
            The values as float64.
        """
        values = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{argument} contains NaN or infinite values")
        if values.min() < self.low or values.max() > self.high:
            raise ValueError(
                f"{argument} has values in [{values.min()}, {values.max()}], outside its range [{self.low}, {self.high}]"
            )
        if self.is_categorical and not np.all(values == np.rint(values)):
            raise ValueError(f"{argument} must hold integer category codes")
        return values


def is_categorical(factor: Any) -> bool:
    """Whether a declared factor is categorical: its ``kind`` says so.

    Works on `Factor` and on any factor-like object with a ``kind`` (a data set's); one with no
    ``kind`` is continuous.
    """
    return getattr(factor, "kind", "continuous") == "categorical"


def check_names(names: Sequence[str], factors: Mapping[str, Factor], argument: str) -> None:
    """Raise ValueError if any of `names` is not a factor, listing the valid names."""
    unknown = [name for name in names if name not in factors]
    if unknown:
        raise ValueError(f"{argument}: unknown factor(s) {unknown}; valid names are {list(factors)}")


def check_table(table: Any, factors: Mapping[str, Factor], argument: str) -> np.ndarray:
    """Validate a DataFrame of factor values (all columns present, finite, in range); return a float array in factor order."""
    columns = getattr(table, "columns", None)
    if columns is None:
        raise ValueError(f"{argument}: expected a pandas DataFrame with columns {list(factors)}, got {type(table).__name__}")
    missing = [name for name in factors if name not in columns]
    if missing:
        raise ValueError(f"{argument}: missing factor column(s) {missing}; expected columns {list(factors)}")
    if len(table) == 0:
        raise ValueError(f"{argument}: the table has no rows")
    values = table[list(factors)].to_numpy(dtype=np.float64)
    for j, factor in enumerate(factors.values()):
        factor.check_values(values[:, j], f"{argument}: column {factor.name!r}")
    return values
