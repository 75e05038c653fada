"""Reading a scene query's ``do=`` dict into per-row arrays the scene's mechanisms can apply.

A value is read with `scm.interventions.as_intervention`, so scenes take the forms `scm.SCM` and
`crl.CausalModel` take: a hard value sets the factor; `scm.Shift(delta)` adds ``delta`` to its
mechanism's output (parents and noise still act; the result is clipped to the factor's range);
`scm.Soft(distribution)` sets each row to a fresh draw, independent of the parents. A scene's
mechanisms map (parents, u) to a value, so a Soft needs no inverse: the draw replaces the value.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from crl.scenes.factors import Factor, check_names
from scm.interventions import Shift, Soft, as_intervention


@dataclass(frozen=True)
class DoArrays:
    """An intervention as arrays over (rows, factors), columns in the scene's factor order.

    Attributes
    ----------
    values : numpy.ndarray
        (n, d) values that replace a factor's (hard and soft interventions); NaN where none.
    shift : numpy.ndarray
        (n, d) amounts added to a mechanism's output (shift interventions); 0 where none.
    """

    values: np.ndarray
    shift: np.ndarray


def read_do(do: Any, factors: Sequence[Factor], n: int, rng: np.random.Generator) -> DoArrays:
    """Check ``do`` against a scene's factors and return it as per-row arrays.

    Parameters
    ----------
    do : Mapping[str, Any]
        Factor name -> a value (a number, or a category name or code), `scm.Shift(delta)` (or the
        tuple ``("shift", delta)``) or `scm.Soft(distribution)` (or ``("soft", distribution)``).
    factors : Sequence[Factor]
        The scene's factors, in its order.
    n : int
        Number of rows.
    rng : numpy.random.Generator
        Draws the values of Soft interventions (factors taken in the scene's order).

    Returns
    -------
    DoArrays
    """
    if not isinstance(do, Mapping) or not do:
        raise ValueError(f"do must be a non-empty dict {{factor: value}}, got {do!r}")
    check_names(list(do), {factor.name: factor for factor in factors}, "do")
    values = np.full((n, len(factors)), np.nan)
    shift = np.zeros((n, len(factors)))
    for j, factor in enumerate(factors):
        if factor.name not in do:
            continue
        label = f"do[{factor.name!r}]"
        value = as_intervention(do[factor.name], factor.name)
        if isinstance(value, Shift):
            shift[:, j] = _shift(factor, value, n, label)
        elif isinstance(value, Soft):
            values[:, j] = _soft(factor, value, n, rng, label)
        else:
            values[:, j] = factor.coerce(value, label)
    return DoArrays(values, shift)


def _shift(factor: Factor, value: Shift, n: int, label: str) -> np.ndarray:
    """The deltas of a shift, one per row; refused on a categorical factor (codes have no distance)."""
    if factor.is_categorical:
        raise ValueError(f"{label}: a shift needs a continuous factor; {factor.name!r} is categorical")
    delta = np.asarray(value.delta, dtype=np.float64)
    if delta.ndim > 1 or delta.size not in (1, n):
        raise ValueError(f"{label}: Shift(delta) takes a number or {n} values, one per row; got shape {delta.shape}")
    return np.broadcast_to(delta.reshape(-1), (n,))


def _soft(factor: Factor, value: Soft, n: int, rng: np.random.Generator, label: str) -> np.ndarray:
    """``n`` fresh draws of a soft intervention, checked against the factor's kind and range."""
    draws = np.asarray(value.draw(rng, n))
    if draws.shape != (n,):
        raise ValueError(f"{label}: Soft(distribution) must draw {n} values, one per row; got shape {draws.shape}")
    if factor.is_categorical and draws.dtype.kind in "USO":
        draws = np.array([factor.coerce(v, label) for v in draws])
    try:
        numbers = draws.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{label}: Soft(distribution) must draw numbers, got dtype {draws.dtype}") from None
    return factor.check_values(numbers, f"{label}: Soft(distribution)")
