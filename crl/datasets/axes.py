"""The axes of a grid data set: each factor's grid values, and reading tables and do() values as grid classes.

A grid data set has one image per combination of its factors' values. Each axis holds a factor's
values in the order the file stores them (class k is the k-th value); a categorical factor's values
are its codes 0..K-1, a continuous one's its published numbers. An axis with a single value (dSprites'
color: every sprite is white) stays a column of the tables, as published, but is no `Factor`: it
cannot vary, be learned or be set.

A value is on the grid when it lies within 0.1% of the axis's smallest step from one of its values
(values printed to six digits are read back); `render` takes any value in range and shows the nearest
grid image, while `intervene` and `counterfactual`, which claim what the data set would show, refuse
a value off the grid and list the ones it has.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crl.scenes.factors import Factor, check_table
from scm.interventions import Shift, Soft

ON_GRID = 1e-3  # a value within this share of the smallest grid step of a grid value is that value


@dataclass(frozen=True, eq=False)
class GridAxis:
    """One factor of a grid: its name, its values by class, and its declaration (None when it has one value).

    Build one with `axis`.
    """

    name: str
    values: np.ndarray
    factor: Factor | None
    categories: tuple[str, ...] | None

    @property
    def size(self) -> int:
        """How many values the factor takes."""
        return len(self.values)

    def shown(self) -> str:
        """The values as a user would type them: category names, or numbers to six digits."""
        if self.categories is not None:
            return ", ".join(self.categories)
        return ", ".join(f"{v:.6g}" for v in self.values)

    @property
    def tolerance(self) -> float:
        """How far from a grid value a number still names it: `ON_GRID` of the smallest step."""
        return ON_GRID * (float(np.diff(np.sort(self.values)).min()) if self.size > 1 else 1.0)

    def onto_ends(self, column: np.ndarray) -> np.ndarray:
        """Numbers that name an end of the grid (within `tolerance`) set to that end, so a value rounded past
        the range (2 pi printed as 6.28318531) passes the range check; others unchanged."""
        for end in (self.values.min(), self.values.max()):
            column = np.where(np.abs(column - end) <= self.tolerance, end, column)
        return column

    def classes(self, column: np.ndarray, exact: bool, argument: str) -> np.ndarray:
        """Grid classes of in-range values: the code of a categorical value, the nearest grid value's class
        otherwise (with `exact`, a ValueError for a value off the grid)."""
        if self.categories is not None:
            return column.astype(np.int64)
        index = np.abs(column[:, None] - self.values[None, :]).argmin(axis=1)
        if exact:
            off = np.abs(column - self.values[index]) > self.tolerance
            if off.any():
                raise ValueError(f"{argument}: {self.name}={column[off][0]:.6g} is not on the data set's grid; "
                                 f"{self.name!r} takes the values [{self.shown()}]")
        return index


def axis(name: str, values: Any, categories: Sequence[str] | None = None, where: str = "") -> GridAxis:
    """A grid axis from a factor's values in class order (categorical: pass its category names instead).

    Parameters
    ----------
    name : str
        The factor's column name.
    values : array-like
        The values of classes 0..K-1 (ignored when `categories` is given: the codes 0..K-1 are its values).
    categories : sequence of str, optional
        The names of a categorical factor's classes, in class order.
    where : str
        Names the file in error messages.

    Returns
    -------
    GridAxis
    """
    if categories is not None:
        names = tuple(str(c) for c in categories)
        grid = np.arange(len(names), dtype=np.float64)
        factor = Factor(name, "categorical", categories=names) if len(names) > 1 else None
        return GridAxis(name, grid, factor, names)
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim != 1 or not len(grid) or not np.all(np.isfinite(grid)) or len(np.unique(grid)) != len(grid):
        raise ValueError(f"{where}factor {name!r} needs distinct finite grid values, got {grid.tolist()}")
    factor = Factor(name, "continuous", low=float(grid.min()), high=float(grid.max())) if len(grid) > 1 else None
    return GridAxis(name, grid, factor, None)


def table_classes(table: Any, axes: Sequence[GridAxis], argument: str, exact: bool) -> np.ndarray:
    """Grid classes (n, len(axes)) of a table of factor values; one-valued axes may be absent (class 0)."""
    declared = {a.name: a.factor for a in axes if a.factor is not None}
    values = check_table(_onto_ends(table, axes), declared, argument)
    classes = np.zeros((len(values), len(axes)), dtype=np.int64)
    column = 0
    for i, grid_axis in enumerate(axes):
        if grid_axis.factor is None:
            if grid_axis.name in table.columns and not np.allclose(table[grid_axis.name].to_numpy(dtype=float),
                                                                    grid_axis.values[0]):
                raise ValueError(f"{argument}: column {grid_axis.name!r} takes one value only here, "
                                 f"{grid_axis.shown()} ({grid_axis.values[0]:g})")
            continue
        classes[:, i] = grid_axis.classes(values[:, column], exact, f"{argument}: column {grid_axis.name!r}")
        column += 1
    return classes


def _onto_ends(table: Any, axes: Sequence[GridAxis]) -> Any:
    """A copy of a DataFrame with each continuous column's values moved onto the grid's ends where they name one."""
    if not isinstance(table, pd.DataFrame):
        return table
    table = table.copy()
    for grid_axis in axes:
        if grid_axis.categories is None and grid_axis.factor is not None and grid_axis.name in table.columns:
            column = pd.to_numeric(table[grid_axis.name], errors="coerce").to_numpy(dtype=np.float64)
            table[grid_axis.name] = grid_axis.onto_ends(column)
    return table


def do_classes(do: Any, axes: Sequence[GridAxis]) -> dict[int, int]:
    """Check a do() dict against the grid: axis position -> the class its value sets."""
    if not isinstance(do, Mapping) or not do:
        raise ValueError(f"do must be a non-empty dict {{factor: value}}, got {do!r}")
    position = {a.name: i for i, a in enumerate(axes)}
    settable = [a.name for a in axes if a.factor is not None]
    out = {}
    for name, value in do.items():
        if name not in position:
            raise ValueError(f"do: unknown factor {name!r}; the data set's factors are {settable}")
        grid_axis = axes[position[name]]
        if grid_axis.factor is None:
            raise ValueError(f"do[{name!r}]: {name!r} takes one value only in this data set ({grid_axis.shown()}); "
                             f"it cannot be set")
        if isinstance(value, (Shift, Soft)):
            raise ValueError(f"do[{name!r}]: a grid data set has images at its grid values only, so it takes one of "
                             f"them, not a {type(value).__name__}; {name!r} takes [{grid_axis.shown()}]")
        if grid_axis.categories is None and isinstance(value, (int, float, np.number)):
            value = float(grid_axis.onto_ends(np.array([float(value)]))[0])
        number = grid_axis.factor.coerce(value, f"do[{name!r}]")
        out[position[name]] = int(grid_axis.classes(np.array([number]), True, f"do[{name!r}]")[0])
    return out


def grid_table(classes: np.ndarray, axes: Sequence[GridAxis]) -> pd.DataFrame:
    """The factor table of grid classes (n, len(axes)): categorical codes as int64, numbers as float64."""
    columns = {}
    for i, grid_axis in enumerate(axes):
        values = grid_axis.values[classes[:, i]]
        columns[grid_axis.name] = values.astype(np.int64) if grid_axis.categories is not None else values
    return pd.DataFrame(columns)
