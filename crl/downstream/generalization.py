"""Strong generalization: how well factors are read from a representation on held-out parts of factor space.

Schott et al. (ICLR 2022) train a readout on images from the training part of a split
(`crl.downstream.splits`: random, composition, interpolation, extrapolation) and score it on the
test part by R^2 = 1 - MSE / Var, per factor, with factor values scaled to [0, 1] and Var the
factor's variance over the whole factor space (not the test part's, which is small for
extrapolation). The score per split is the mean R^2 over factors; 1 is perfect, 0 is no better
than the overall mean, and a readout that fails off its training range goes negative.

Factor space and images:

- a grid data set (``data.grid``, as `crl.datasets`): grid points are drawn uniformly, the split
  selects them by their classes, and ``render`` shows each one's image; a factor is scaled as
  class / (K - 1), as the paper does;
- a scene: each factor is drawn independently and uniformly (continuous ones within their
  declared range, categorical ones over their codes), and ``render`` draws the images. The scene's
  causal graph plays no part: the split is over factor values and an image is a function of them.
  A continuous factor's range is cut into 10 equal bins that act as its classes for the split rules.

The readout is ridge regression (alpha 1) on latents standardised with the training statistics:
a representation that holds the factors linearly scores 1 on every split, so a drop from "random"
to the other splits is the representation's, not the readout's own failure to extrapolate (an MLP
readout, ``regressor="mlp"``, adds that). The sizes (2,000 train, 1,000 test points per split) are
crl's: the paper splits whole data sets of hundreds of thousands of images.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.neural_network import MLPRegressor
from threadpoolctl import threadpool_limits

from crl.downstream.classes import Represent, check_inputs, child_seeds
from crl.downstream.splits import KINDS, RATIO, check_kind, check_parts, split_classes
from crl.metrics.inputs import as_table
from crl.metrics.probes import MLP_HIDDEN, MLP_MAX_ITER
from crl.metrics.sampling import check_count, encode_images
from crl.scenes.factors import is_categorical

N_TRAIN = 2_000
N_TEST = 1_000
LEVELS = 10
"""Equal-width bins that stand for a scene's continuous factor's classes in the split rules."""
REGRESSORS = ("linear", "mlp")
RIDGE_ALPHA = 1.0
POOL_ROUNDS = 25
"""Draws of 4 x (n_train + n_test) factor rows tried before a split is declared too small to fill."""


@dataclass(frozen=True)
class FactorSpace:
    """Per factor: its classes' count, whether it may be held out, and its values' grid (None: continuous scene factor)."""

    names: list[str]
    sizes: list[int]
    splittable: list[bool]
    grids: list[np.ndarray | None]
    ranges: list[tuple[float, float]]
    categorical: list[bool]


def readout_r2(
    z_train: Any, t_train: Any, z_test: Any, t_test: Any, variance: Any, *, regressor: str = "linear", seed: int = 0
) -> np.ndarray:
    """Per-factor R^2 = 1 - MSE / variance of a readout fit on the training rows, on the test rows.

    Parameters
    ----------
    z_train, z_test : array-like
        Representations (N, d).
    t_train, t_test : array-like
        Scaled factor values (N, k) of the same rows.
    variance : array-like
        (k,) each factor's variance over the whole factor space, all positive.
    regressor : {"linear", "mlp"}
        Ridge regression (alpha 1) or crl's MLP probe (two hidden layers of 64), on latents
        standardised with the training statistics.
    seed : int
        The MLP's random_state.

    Returns
    -------
    numpy.ndarray
        (k,) R^2 per factor.
    """
    if regressor not in REGRESSORS:
        raise ValueError(f"regressor must be one of {REGRESSORS}; got {regressor!r}")
    z, t, zt, tt = (as_table(a, n) for a, n in ((z_train, "z_train"), (t_train, "t_train"), (z_test, "z_test"),
                                                 (t_test, "t_test")))
    var = np.asarray(variance, dtype=np.float64).ravel()
    if len(z) != len(t) or len(zt) != len(tt) or z.shape[1] != zt.shape[1] or not t.shape[1] == tt.shape[1] == len(var):
        raise ValueError(f"z_train {z.shape}, t_train {t.shape}, z_test {zt.shape}, t_test {tt.shape} and variance "
                         f"{var.shape} must pair row for row and factor for factor")
    if np.any(~np.isfinite(var)) or np.any(var <= 0):
        raise ValueError(f"variance must be positive and finite for every factor; got {var.tolist()}")
    mean, std = z.mean(axis=0), z.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    model = Ridge(alpha=RIDGE_ALPHA) if regressor == "linear" else MLPRegressor(
        hidden_layer_sizes=MLP_HIDDEN, max_iter=MLP_MAX_ITER, random_state=seed)
    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit((z - mean) / std, t)
        predicted = np.asarray(model.predict((zt - mean) / std)).reshape(tt.shape)
    return 1.0 - np.mean((predicted - tt) ** 2, axis=0) / var


def strong_generalization(
    represent: Represent,
    data: Any,
    *,
    kinds: Sequence[str] = KINDS,
    n_train: int = N_TRAIN,
    n_test: int = N_TEST,
    seed: int = 0,
    ratio: float = RATIO,
    regressor: str = "linear",
) -> dict[str, float]:
    """R^2 of factor readouts from a representation on the test part of each split (see the module docstring).

    Parameters
    ----------
    represent : callable
        uint8 images (N, H, W, C) -> (N, d) array, e.g. ``encoders.Encoder.encode``.
    data : scene or grid data set
        Gives ``factors``, ``render(factors_df)`` and, for a grid data set, ``grid``.
    kinds : sequence of str
        Splits to score, from "random", "composition", "interpolation", "extrapolation".
    n_train, n_test : int
        Training and test images per split.
    seed : int
        Seeds each split's draw (each kind its own stream) and the MLP.
    ratio : float
        Held-out share per factor (Schott et al.: 0.2 on dSprites).
    regressor : {"linear", "mlp"}
        The readout.

    Returns
    -------
    dict of str to float
        ``"{kind}:r2"`` (mean over factors) and ``"{kind}:r2:{factor}"`` per factor, for each kind.
    """
    check_inputs(represent, data, render=True)
    if isinstance(kinds, str) or not kinds or len(set(kinds)) != len(kinds):
        raise ValueError(f"kinds must be a non-empty list of distinct split kinds from {KINDS}; got {kinds!r}")
    for kind in kinds:
        check_kind(kind, ratio)
    check_count(n_train, "n_train", 2)
    check_count(n_test, "n_test", 2)
    if regressor not in REGRESSORS:
        raise ValueError(f"regressor must be one of {REGRESSORS}; got {regressor!r}")
    space = factor_space(data)
    seeds = dict(zip(KINDS, child_seeds(seed, len(KINDS))))
    scores: dict[str, float] = {}
    for kind in kinds:
        train, test, variance = split_draw(space, kind, n_train, n_test, ratio, seeds[kind])
        z_train = encode_images(represent, data.render(train[0]))
        z_test = encode_images(represent, data.render(test[0]))
        r2 = readout_r2(z_train, train[1], z_test, test[1], variance, regressor=regressor, seed=seed)
        scores[f"{kind}:r2"] = float(np.mean(r2))
        scores.update({f"{kind}:r2:{name}": float(v) for name, v in zip(space.names, r2)})
    return scores


def factor_space(data: Any) -> FactorSpace:
    """The classes, grids and ranges of `data.factors` that splits and draws use."""
    grid = getattr(data, "grid", None)
    names, sizes, splittable, grids, ranges, categorical = [], [], [], [], [], []
    for spec in data.factors:
        cat = is_categorical(spec)
        values: np.ndarray | None = None
        if isinstance(grid, Mapping) and spec.name in grid:
            values = np.asarray(grid[spec.name], dtype=np.float64)
        elif cat:
            categories = getattr(spec, "categories", None)
            values = np.arange(len(categories) if categories is not None else int(spec.high) + 1, dtype=np.float64)
        low, high = (float(values.min()), float(values.max())) if values is not None else (float(spec.low), float(spec.high))
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"factor {spec.name!r} needs a finite range with more than one value; got [{low}, {high}]")
        size = len(values) if values is not None else LEVELS
        names.append(spec.name)
        sizes.append(size)
        splittable.append(not cat and size > 1)
        grids.append(values)
        ranges.append((low, high))
        categorical.append(cat)
    return FactorSpace(names, sizes, splittable, grids, ranges, categorical)


def draw_factors(space: FactorSpace, count: int, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """`count` rows of factor space drawn uniformly, factor by factor: (values table, classes (N, k), scaled values (N, k)).

    A factor with a grid is drawn over its classes and scaled class / (K - 1); a continuous scene
    factor is drawn in its range, scaled to [0, 1], its class the bin of `LEVELS` it falls in.
    """
    table, classes, scaled = {}, [], []
    for j, name in enumerate(space.names):
        values = space.grids[j]
        if values is not None:
            cls = rng.integers(0, len(values), size=count)
            column: np.ndarray = values[cls]
            unit = cls / (len(values) - 1)
        else:
            low, high = space.ranges[j]
            unit = rng.random(count)
            column = low + unit * (high - low)
            cls = np.minimum((unit * LEVELS).astype(np.int64), LEVELS - 1)
        table[name] = column.astype(np.int64) if space.categorical[j] else column
        classes.append(cls)
        scaled.append(unit)
    return pd.DataFrame(table), np.column_stack(classes), np.column_stack(scaled)


def split_draw(
    space: FactorSpace, kind: str, n_train: int, n_test: int, ratio: float, seed: int
) -> tuple[tuple[pd.DataFrame, np.ndarray], tuple[pd.DataFrame, np.ndarray], np.ndarray]:
    """Training and test rows of one split, (factor table, scaled values) each, and the scaled factors' variance.

    Rows are drawn uniformly from factor space in rounds until the split's training part holds
    `n_train` rows and its test part `n_test`; the variance is over every row drawn.
    """
    rng = np.random.default_rng(seed)
    tables, units, tests = [], [], []
    for round_ in range(POOL_ROUNDS):
        table, classes, unit = draw_factors(space, 4 * (n_train + n_test), rng)
        tables.append(table)
        units.append(unit)
        tests.append(split_classes(classes, space.sizes, space.splittable, kind, ratio, seed + round_))
        test = np.concatenate(tests)
        if (~test).sum() >= n_train and test.sum() >= n_test:
            break
    check_parts(test, kind)
    if (~test).sum() < n_train or test.sum() < n_test:
        raise ValueError(f"the {kind} split with ratio={ratio} gives {int((~test).sum())} train and {int(test.sum())} "
                         f"test rows in {len(test)} draws; ask for fewer points or a larger ratio")
    table, unit = pd.concat(tables, ignore_index=True), np.concatenate(units)
    train_rows, test_rows = np.flatnonzero(~test)[:n_train], np.flatnonzero(test)[:n_test]
    train = (table.iloc[train_rows].reset_index(drop=True), unit[train_rows])
    return train, (table.iloc[test_rows].reset_index(drop=True), unit[test_rows]), unit.var(axis=0)
