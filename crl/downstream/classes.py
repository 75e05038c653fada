"""What the downstream tasks read from a scene or data set: checked inputs, factor classes, seeds.

A downstream task takes ``represent`` (uint8 images (N, H, W, C) -> (N, d) array, e.g.
``encoders.Encoder.encode``) and ``data``: anything with ``factors`` (declarations with name, kind,
low, high, categories) and ``sample(n, seed=)`` (and ``render(factors_df)`` where a task renders).

The classifiers of disentanglement_lib predict a factor's class: its index on a data set's grid.
Here each factor has a list of class values, and a value's class is the nearest of them:

- a grid data set (``data.grid``, as `crl.datasets`): the factor's grid values, so classes are grid
  classes (dSprites' 32 x positions are 32 classes);
- a categorical factor: its codes 0..K-1;
- a continuous factor of a scene: the centres of 20 equal-width bins over its declared [low, high]
  (the bins `crl.metrics` labels continuous factors with), so classes are those bins.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crl.metrics.discretize import NUM_BINS
from crl.metrics.sampling import factor_values
from crl.scenes.factors import is_categorical

Represent = Callable[[np.ndarray], Any]


def check_inputs(represent: Represent, data: Any, render: bool = False) -> None:
    """Raise ValueError unless `represent` is callable and `data` has factors, sample (and render if asked)."""
    if not callable(represent):
        raise ValueError(f"represent must be callable (images -> (N, d) array); got {type(represent).__name__}")
    needed = ("factors", "sample", "render") if render else ("factors", "sample")
    missing = [name for name in needed if not hasattr(data, name)]
    if missing:
        raise ValueError(f"data must provide {', '.join('.' + n for n in needed)}; {type(data).__name__} lacks {missing}")
    if len(data.factors) == 0:
        raise ValueError("data must declare at least one factor in data.factors")


def class_values(data: Any) -> list[np.ndarray]:
    """Per factor of `data.factors`, in order: the values that stand for its classes, class by class."""
    grid = getattr(data, "grid", None)
    out = []
    for spec in data.factors:
        if isinstance(grid, Mapping) and spec.name in grid:
            out.append(np.asarray(grid[spec.name], dtype=np.float64))
        elif is_categorical(spec):
            categories = getattr(spec, "categories", None)
            count = len(categories) if categories is not None else int(spec.high) + 1
            out.append(np.arange(count, dtype=np.float64))
        else:
            low, high = float(spec.low), float(spec.high)
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"factor {spec.name!r} needs a finite range low < high to be binned; got [{low}, {high}]")
            edges = np.linspace(low, high, NUM_BINS + 1)
            out.append((edges[:-1] + edges[1:]) / 2.0)
    return out


def factor_classes(data: Any, factors: pd.DataFrame, values: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """(N, k) integer class of each factor value: the index of the nearest of its class values.

    Parameters
    ----------
    data : scene or data set
        Gives the factor declarations (and the grid, for a grid data set).
    factors : pandas.DataFrame
        One column per factor of `data.factors`.
    values : list of numpy.ndarray, optional
        `class_values(data)`, when the caller has it already.

    Returns
    -------
    numpy.ndarray
    """
    values = class_values(data) if values is None else values
    table = factor_values(data, factors)
    return np.column_stack([np.abs(table[:, j, None] - v[None, :]).argmin(axis=1) for j, v in enumerate(values)])


def child_seeds(seed: int, count: int) -> list[int]:
    """`count` distinct seeds drawn from `seed` (numpy's SeedSequence), one per independent draw of a task."""
    return [int(s) for s in np.random.SeedSequence(int(seed)).generate_state(count)]

