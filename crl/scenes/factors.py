"""Factor declarations and the checks every scene applies to factor values and interventions."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

KINDS = ("continuous", "categorical")


@dataclass(frozen=True)
class Factor:
    """One ground-truth variable of a scene: its name, kind, range and unit.

    Categorical factors are stored as integer codes 0..K-1 (so `low` = 0, `high` = K-1)
    and `categories` names the codes in order.
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
        """True for integer-coded categorical factors."""
        return self.kind == "categorical"

    def clip(self, values: np.ndarray) -> np.ndarray:
        """Map raw mechanism output into the declared range (categorical: round to a valid code)."""
        values = np.clip(np.asarray(values, dtype=np.float64), self.low, self.high)
        return np.rint(values) if self.is_categorical else values

    def coerce(self, value: Any) -> float:
        """Check one user-given value (a number, or a category name) and return it as a float in range."""
        if self.is_categorical and isinstance(value, str):
            if value not in self.categories:
                raise ValueError(f"factor {self.name!r}: unknown category {value!r}; expected one of {list(self.categories)}")
            return float(self.categories.index(value))
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"factor {self.name!r}: expected a number, got {value!r}") from None
        if not self.low <= number <= self.high:
            raise ValueError(f"factor {self.name!r}: value {number} is outside its range [{self.low}, {self.high}]")
        if self.is_categorical and number != int(number):
            raise ValueError(f"factor {self.name!r}: expected an integer category code 0..{int(self.high)}, got {number}")
        return number


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
        column = values[:, j]
        if not np.all(np.isfinite(column)):
            raise ValueError(f"{argument}: column {factor.name!r} contains NaN or infinite values")
        if column.min() < factor.low or column.max() > factor.high:
            raise ValueError(
                f"{argument}: column {factor.name!r} has values in [{column.min()}, {column.max()}], "
                f"outside its range [{factor.low}, {factor.high}]"
            )
        if factor.is_categorical and not np.all(column == np.rint(column)):
            raise ValueError(f"{argument}: column {factor.name!r} must hold integer category codes")
    return values
