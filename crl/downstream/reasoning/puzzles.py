"""Puzzles over a scene or a grid data set: factor classes per panel (`design`), and the panels' images.

Each factor gets a few classes, each standing for one value the panel is rendered at:

- a categorical factor: its codes;
- a grid data set's ordered factor with more than `levels` grid values: `levels` of them, grid classes
  floor(c K / levels) for c < levels (disentanglement_lib's `Quantizer`, which cuts dSprites' 32 positions
  to 4); with fewer, all of them;
- a scene's continuous factor: the centres of `levels` equal-width bins over its declared range.

Three levels by default: at four, the bin centres of an angle over [0, 2 pi] are a quarter turn apart and
show a square sprite the same in all four. A panel's image is a function of its classes (``data.render``
of the values), so `Puzzles.panels` lists the distinct panels once and indexes them: puzzles share most
panels (sprites at three levels have 243), and each is rendered and encoded once.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from crl.downstream.classes import class_values
from crl.downstream.reasoning.design import CANDIDATES, MIN_CLASSES, STRATEGIES, sample_designs
from crl.metrics.sampling import check_count
from crl.scenes.factors import is_categorical

LEVELS = 3
Levels = int | Mapping[str, int]


class PuzzleImages(NamedTuple):
    """uint8 images of puzzles: ``context`` (n, 8, H, W, C) the panels in row order, the last one missing;
    ``candidates`` (n, 6, H, W, C)."""

    context: np.ndarray
    candidates: np.ndarray


@dataclass(frozen=True)
class Puzzles:
    """Puzzles in factor classes, and the data that renders them.

    Attributes
    ----------
    matrix : numpy.ndarray
        (n, 3, 3, F) int classes of the solved matrix (bottom right: the answer).
    candidates : numpy.ndarray
        (n, 6, F) int classes of the candidate answers.
    answer : numpy.ndarray
        (n,) index of the correct candidate.
    relations : numpy.ndarray
        (n, F) bool: the factors constant along every row.
    factor_names : list of str
    values : list of numpy.ndarray
        Per factor, the value each class is rendered at.
    data : scene or data set
        What renders the panels (``render(factors_df)``).
    """

    matrix: np.ndarray
    candidates: np.ndarray
    answer: np.ndarray
    relations: np.ndarray
    factor_names: list[str]
    values: list[np.ndarray]
    data: Any = field(repr=False)

    def __len__(self) -> int:
        return len(self.answer)

    @property
    def context(self) -> np.ndarray:
        """(n, 8, F) classes of the panels shown, in row order."""
        return self.matrix.reshape(len(self), -1, self.matrix.shape[-1])[:, :-1]

    def subset(self, rows: Any) -> Puzzles:
        """The puzzles at `rows` (an index array or a boolean mask)."""
        return Puzzles(self.matrix[rows], self.candidates[rows], self.answer[rows], self.relations[rows],
                       self.factor_names, self.values, self.data)

    def panels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The distinct panels and where each puzzle uses them.

        Returns
        -------
        tuple of numpy.ndarray
            rows (U, F) classes of each distinct panel; context (n, 8) and candidates (n, 6) row indices.
        """
        n, k = len(self), self.matrix.shape[-1]
        stacked = np.concatenate([self.context, self.candidates], axis=1).reshape(-1, k)
        rows, index = np.unique(stacked, axis=0, return_inverse=True)
        index = index.reshape(n, -1)
        return rows, index[:, :-CANDIDATES], index[:, -CANDIDATES:]

    def factor_table(self, classes: np.ndarray) -> pd.DataFrame:
        """The factor values that (N, F) `classes` stand for, one column per factor (codes stay integers)."""
        columns = {}
        for f, name in enumerate(self.factor_names):
            column = self.values[f][classes[:, f]]
            columns[name] = column.astype(np.int64) if _categorical(self.data, f) else column
        return pd.DataFrame(columns)

    def render(self, classes: np.ndarray) -> np.ndarray:
        """uint8 images (N, H, W, C) of panels given as (N, F) classes."""
        return np.asarray(self.data.render(self.factor_table(classes)))

    def images(self) -> PuzzleImages:
        """The context panels and candidates of every puzzle as images (each distinct panel rendered once)."""
        rows, context, candidates = self.panels()
        pictures = self.render(rows)
        return PuzzleImages(pictures[context], pictures[candidates])


def _categorical(data: Any, f: int) -> bool:
    return is_categorical(data.factors[f])


def _level_count(levels: Levels, name: str) -> int:
    count = levels.get(name, LEVELS) if isinstance(levels, Mapping) else levels
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 2:
        raise ValueError(f"levels must be an int >= 2 or a mapping of factor name to such an int; got {count!r} "
                         f"for factor {name!r}")
    return int(count)


def factor_levels(data: Any, levels: Levels = LEVELS) -> list[np.ndarray]:
    """Per factor of `data.factors`, the values its puzzle classes are rendered at (see the module docstring)."""
    if isinstance(levels, Mapping):
        unknown = sorted(set(levels) - {spec.name for spec in data.factors})
        if unknown:
            raise ValueError(f"levels names unknown factor(s) {unknown}; factors are {[s.name for s in data.factors]}")
    grid = getattr(data, "grid", None)
    out = []
    for spec, values in zip(data.factors, class_values(data)):
        count = _level_count(levels, spec.name)
        if is_categorical(spec):
            out.append(values)
        elif isinstance(grid, Mapping) and spec.name in grid:
            out.append(values[(np.arange(count) * len(values)) // count] if len(values) > count else values)
        else:
            edges = np.linspace(float(spec.low), float(spec.high), count + 1)
            out.append((edges[:-1] + edges[1:]) / 2.0)
    return out


def _relation_range(relations: Any, eligible: int) -> tuple[int, int]:
    """(fewest, most) relations from an int or a (low, high) pair, checked against the factors that can hold one."""
    pair = (relations, relations) if isinstance(relations, int | np.integer) else tuple(relations)
    if (len(pair) != 2 or any(isinstance(r, bool) or not isinstance(r, int | np.integer) for r in pair)
            or not 1 <= pair[0] <= pair[1]):
        raise ValueError(f"relations must be an int >= 1 or a pair (low, high) with 1 <= low <= high; got {relations!r}")
    if pair[1] > eligible:
        raise ValueError(f"relations={relations!r} asks for up to {pair[1]} relations, more than the {eligible} "
                         f"factor(s) with at least {MIN_CLASSES} classes that can hold one")
    return int(pair[0]), int(pair[1])


def generate(data: Any, n: int, relations: Any = (1, 3), strategy: str = "easy", seed: int = 0,
             levels: Levels = LEVELS) -> Puzzles:
    """n seeded puzzles over the factors of a scene or grid data set.

    Parameters
    ----------
    data : scene or data set
        Gives ``factors`` and ``render(factors_df)`` (`crl.scenes.load`, `crl.datasets.load`).
    n : int
        Puzzles to draw.
    relations : int or (int, int)
        Relations per puzzle, or the fewest and most (each puzzle draws its count uniformly; the reference's
        "mixed" puzzles are (1, 3)). At most the number of factors with at least 3 classes.
    strategy : {"easy", "hard"}
        How the wrong candidates are drawn (`crl.downstream.reasoning.design`).
    seed : int
    levels : int or mapping of str to int
        Classes of each non-categorical factor (see the module docstring); a mapping sets them per factor name.

    Returns
    -------
    Puzzles
    """
    if not hasattr(data, "factors") or not hasattr(data, "render"):
        raise ValueError(f"data must provide .factors and .render(factors_df); got {type(data).__name__}")
    check_count(n, "n", 1)
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}; got {strategy!r}")
    values = factor_levels(data, levels)
    counts = [len(v) for v in values]
    eligible = sum(c >= MIN_CLASSES for c in counts)
    if eligible == 0:
        raise ValueError(f"no factor of data has at least {MIN_CLASSES} values, so no relation can be drawn; "
                         f"classes per factor: {dict(zip([s.name for s in data.factors], counts))}")
    drawn = sample_designs(counts, n, _relation_range(relations, eligible), strategy, seed)
    return Puzzles(drawn.matrix, drawn.candidates, drawn.answer, drawn.relations,
                   [spec.name for spec in data.factors], values, data)
