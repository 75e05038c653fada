"""Typed intervention values: what a ``do=`` dict may map a variable to.

A plain value (a number, an array with one value per row, a category) is a hard intervention:
the variable is set. `Shift` adds to the output of the variable's structural equation, so its
noise and parents still act. `Soft` replaces the equation by a new distribution. Every query
that takes ``do=`` (`scm.SCM`, `crl.CausalModel`, crl scenes) reads values with `as_intervention`,
so the forms mean the same everywhere; a query that cannot apply a form refuses it by name.
"""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Shift:
    """do(X := f(parents, noise) + delta): the equation's output moved by ``delta``.

    ``delta`` is a number or an array with one value per row; it needs a continuous variable.
    """

    delta: Any

    def __post_init__(self) -> None:
        try:
            values = np.asarray(self.delta, dtype=float)
        except (TypeError, ValueError) as error:  # text, ragged lists
            raise ValueError(f"Shift(delta) must be a number or an array of numbers; got {self.delta!r}") from error
        if not np.all(np.isfinite(values)):
            raise ValueError(f"Shift(delta) must be finite; got {self.delta!r}")


@dataclass(frozen=True)
class Soft:
    """do(X ~ distribution): the equation replaced by fresh draws, independent of the parents.

    ``distribution`` is a callable ``(rng, n) -> values`` or an object with ``rvs(size=, random_state=)``
    (a frozen scipy distribution).
    """

    distribution: Callable[[np.random.Generator, int], Any] | Any

    def __post_init__(self) -> None:
        if not (callable(self.distribution) or hasattr(self.distribution, "rvs")):
            raise ValueError("Soft(distribution) needs a callable (rng, n) -> values or an object with .rvs; "
                             f"got {self.distribution!r}")

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` fresh values (the caller checks their shape and type against the variable)."""
        if hasattr(self.distribution, "rvs"):
            return np.asarray(self.distribution.rvs(size=n, random_state=rng))
        return np.asarray(self.distribution(rng, n))

Intervention = Shift | Soft


def as_intervention(value: Any, node: Hashable) -> Any:
    """``value`` as a hard value, `Shift` or `Soft`.

    The older tuple spellings ``("shift", delta)`` and ``("soft", distribution)`` are read as the
    typed values; any other tuple is refused with an error naming ``do[node]``.
    """
    if isinstance(value, (Shift, Soft)):
        return value
    if isinstance(value, tuple):
        if len(value) == 2 and value[0] == "shift":
            return Shift(value[1])
        if len(value) == 2 and value[0] == "soft":
            return Soft(value[1])
        raise ValueError(f"do[{node!r}]: expected a value, scm.Shift(delta) or scm.Soft(distribution); got {value!r}")
    return value
