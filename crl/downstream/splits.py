"""Train and test splits over factor space for strong generalization (Schott et al., ICLR 2022).

"Visual Representation Learning Does Not Generalize Strongly Within the Same Domain" holds out
parts of a grid of factor values so that the test images show factor values, or combinations of
them, that training never showed. The rules here are those of the paper's code (its supplementary
material, `modify_dataset`), on each factor's classes 0..K-1 with a per-factor ratio r (0.2 for
dSprites there; 0.15 Shapes3D, 0.1 MPI3D):

- "extrapolation": a factor's top ceil(K r) classes are held out; a row is a test row when any
  factor takes a held-out class (e.g. small and medium objects in training, large ones in test);
- "interpolation": K - ceil(K r) classes, spread as evenly as rounding allows from the first to the
  last (``round(linspace(0, K - 1, K - ceil(K r)))``), are kept; the others, inner ones, are held
  out; a test row has any factor at a held-out class;
- "composition": a test row has every factor outside its lowest floor(K q) classes, with
  q = 1 - (1 - (1 - r)^n)^(1/n) over the n split factors, so the test share equals extrapolation's;
  training sees every value of every factor, never all of them high together;
- "random": a seeded random subset of rows with the test share extrapolation gives the same rows.

Categorical factors are never held out (the paper keeps them in both parts); a factor with one
class is left alone. The floor in composition is taken with a 1e-9 allowance, so a product like
10 x 0.4 that rounds to 3.9999999999999996 counts as 4.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

KINDS = ("random", "composition", "interpolation", "extrapolation")
RATIO = 0.2
"""Schott et al.'s held-out share per factor for dSprites (their default for a data set with few classes)."""
ROUNDING = 1e-9


def check_kind(kind: str, ratio: float) -> None:
    """Raise ValueError unless `kind` is a split kind and 0 < `ratio` < 1."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}")
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 < ratio < 1.0:
        raise ValueError(f"ratio must be a number strictly between 0 and 1; got {ratio!r}")


def held_classes(kind: str, size: int, ratio: float, split_factors: int) -> np.ndarray:
    """The classes of a factor with `size` classes that the rule names (see the module docstring).

    Extrapolation and interpolation: the held-out classes. Composition: the low classes, of which a
    training row needs at least one factor. Random: none (it does not look at classes).
    """
    if kind == "extrapolation":
        return np.arange(size - int(np.ceil(size * ratio)), size)
    if kind == "interpolation":
        kept = np.round(np.linspace(0, size - 1, size - int(np.ceil(size * ratio)))).astype(np.int64)
        return np.setdiff1d(np.arange(size), kept)
    if kind == "composition":
        q = 1.0 - (1.0 - (1.0 - ratio) ** split_factors) ** (1.0 / split_factors)
        return np.arange(int(np.floor(size * q + ROUNDING)))
    return np.arange(0)


def split_classes(
    classes: np.ndarray, sizes: Sequence[int], splittable: Sequence[bool], kind: str, ratio: float, seed: int
) -> np.ndarray:
    """The test mask (N,) of rows of factor classes (N, k); the training rows are the others.

    Parameters
    ----------
    classes : numpy.ndarray
        Integer classes (N, k), column j in 0..sizes[j] - 1.
    sizes : sequence of int
        Classes per factor.
    splittable : sequence of bool
        Which factors may be held out (not categorical, more than one class).
    kind : {"random", "composition", "interpolation", "extrapolation"}
        The rule.
    ratio : float
        Held-out share per factor.
    seed : int
        Seeds the random split.

    Returns
    -------
    numpy.ndarray
        Boolean test mask.
    """
    columns = [j for j, flag in enumerate(splittable) if flag]
    needed = 2 if kind == "composition" else 1
    if len(columns) < needed:
        raise ValueError(f"a {kind} split needs at least {needed} factor(s) that can be held out (not categorical, "
                         f"more than one value); this table has {len(columns)}")
    if kind == "random":
        share = split_classes(classes, sizes, splittable, "extrapolation", ratio, seed).mean()
        test = np.zeros(len(classes), dtype=bool)
        test[np.random.default_rng(seed).choice(len(classes), size=int(round(share * len(classes))), replace=False)] = True
        return test
    hits = np.column_stack([np.isin(classes[:, j], held_classes(kind, int(sizes[j]), ratio, len(columns)))
                            for j in columns])
    any_held = np.asarray(hits.any(axis=1), dtype=bool)
    return ~any_held if kind == "composition" else any_held


def make_split(
    factors: pd.DataFrame, kind: str, *, seed: int = 0, ratio: float = RATIO, categorical: Sequence[str] = ()
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test masks over the rows of a grid-like factor table.

    Each column's classes are its distinct values in sorted order, so the table should show every
    value of every factor (a full grid, or a large uniform draw from one).

    Parameters
    ----------
    factors : pandas.DataFrame
        One column per factor, one row per image.
    kind : {"random", "composition", "interpolation", "extrapolation"}
        The split (see the module docstring).
    seed : int
        Seeds the random split (the others are deterministic).
    ratio : float
        Held-out share per factor, strictly between 0 and 1.
    categorical : sequence of str
        Columns never held out; non-numeric columns are treated so too.

    Returns
    -------
    tuple of numpy.ndarray
        (train_mask, test_mask): boolean, disjoint, together every row.
    """
    check_kind(kind, ratio)
    if not isinstance(factors, pd.DataFrame) or factors.shape[1] == 0 or len(factors) == 0:
        raise ValueError("factors must be a non-empty pandas DataFrame with one column per factor")
    unknown = [name for name in categorical if name not in factors.columns]
    if unknown:
        raise ValueError(f"categorical names column(s) {unknown} that factors lacks; its columns are {list(factors.columns)}")
    classes, sizes, splittable = [], [], []
    for name, column in factors.items():
        values, codes = np.unique(column.to_numpy(), return_inverse=True)
        classes.append(codes.ravel())
        sizes.append(len(values))
        splittable.append(len(values) > 1 and name not in categorical and pd.api.types.is_numeric_dtype(column))
    test = split_classes(np.column_stack(classes), sizes, splittable, kind, ratio, seed)
    check_parts(test, kind)
    return ~test, test


def check_parts(test: np.ndarray, kind: str) -> None:
    """Raise ValueError when a split leaves its training or its test part empty."""
    if test.all() or not test.any():
        part = "training" if test.all() else "test"
        raise ValueError(f"the {kind} split leaves no {part} rows here; use a larger table or a different ratio")

