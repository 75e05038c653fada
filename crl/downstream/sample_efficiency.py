"""Sample efficiency: disentanglement_lib's downstream task (`evaluation/metrics/downstream_task.py`).

For each training size (10, 100, 1,000 and 10,000 points), one classifier per factor predicts the
factor's class from the representation; its accuracy is scored on the training points and on
5,000 test points. Keys are disentanglement_lib's: ``"{size}:mean_train_accuracy"``,
``"{size}:mean_test_accuracy"``, ``"{size}:min_train_accuracy"``, ``"{size}:min_test_accuracy"``,
``"{size}:train_accuracy_factor_{i}"`` and ``"{size}:test_accuracy_factor_{i}"`` (i indexes
``data.factors``). ``"sample_efficiency"`` is the ratio Locatello et al. (2019, "Challenging Common
Assumptions ...") report: mean test accuracy with 100 training points over that with 10,000.

Sampling differs in one way that changes no definition: disentanglement_lib draws a fresh training
and test set per size; here one seeded draw of max(sizes) + num_test points gives every size its
training set (its first `size` points) and all sizes the same test set (the last num_test points),
which encodes a third of the images and takes test noise out of the ratio.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from crl.downstream.classes import Represent, check_inputs, factor_classes
from crl.downstream.predictors import CV_FOLDS, check_predictor, fit_predictor
from crl.metrics.inputs import as_table
from crl.metrics.sampling import check_count, encode_images

SIZES = (10, 100, 1_000, 10_000)
"""disentanglement_lib's `downstream_task.num_train` in its study configs."""
NUM_TEST = 5_000
"""disentanglement_lib's `downstream_task.num_test`."""


def factor_accuracy(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, predictor: str, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test accuracy (k,) of one classifier per factor, as disentanglement_lib's `_compute_loss`.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray
        Representations (N, d) of the training and test points.
    y_train, y_test : numpy.ndarray
        Integer factor classes (N, k) of the same points.
    predictor : {"logistic_regression", "gbt"}
        See `crl.downstream.predictors`.
    seed : int
        The boosted trees' random_state.

    Returns
    -------
    tuple of numpy.ndarray
        Per-factor accuracy on the training points, and on the test points.
    """
    train, test = [], []
    for j in range(y_train.shape[1]):
        model = fit_predictor(predictor, z_train, y_train[:, j], seed)
        train.append(np.mean(model.predict(z_train) == y_train[:, j]))
        test.append(np.mean(model.predict(z_test) == y_test[:, j]))
    return np.array(train), np.array(test)


def sample_efficiency_scores(
    z_pool: Any,
    y_pool: Any,
    z_test: Any,
    y_test: Any,
    *,
    sizes: Sequence[int] = SIZES,
    predictor: str = "logistic_regression",
    seed: int = 0,
) -> dict[str, float]:
    """The downstream task on arrays: classifiers fit on the first `size` rows of the pool, tested on the test rows.

    Parameters
    ----------
    z_pool, y_pool : array-like
        Representations (N, d) and integer factor classes (N, k) to train on; N >= max(sizes).
    z_test, y_test : array-like
        The same for the test points.
    sizes : sequence of int
        Training sizes, at least two.
    predictor : {"logistic_regression", "gbt"}
        The classifier.
    seed : int
        The boosted trees' random_state.

    Returns
    -------
    dict of str to float
        disentanglement_lib's keys per size (see the module docstring), and ``"sample_efficiency"``:
        mean test accuracy at the second-smallest size over that at the largest (100 over 10,000
        for the default sizes); with two sizes, the smaller over the larger.
    """
    check_predictor(predictor)
    sizes = _check_sizes(sizes, predictor)
    z, y, zt, yt = (as_table(a, name) for a, name in ((z_pool, "z_pool"), (y_pool, "y_pool"), (z_test, "z_test"),
                                                      (y_test, "y_test")))
    if len(z) != len(y) or len(zt) != len(yt) or z.shape[1] != zt.shape[1] or y.shape[1] != yt.shape[1]:
        raise ValueError(f"z_pool {z.shape} and y_pool {y.shape}, z_test {zt.shape} and y_test {yt.shape} must pair row "
                         "for row, with the same columns in pool and test")
    if len(z) < max(sizes):
        raise ValueError(f"z_pool has {len(z)} rows; the largest training size {max(sizes)} needs that many")
    scores: dict[str, float] = {}
    for size in sizes:
        train, test = factor_accuracy(z[:size], y[:size].astype(np.int64), zt, yt.astype(np.int64), predictor, seed)
        scores.update(_size_scores(size, train, test))
    numerator = sizes[1] if len(sizes) > 2 else sizes[0]
    scores["sample_efficiency"] = scores[f"{numerator}:mean_test_accuracy"] / scores[f"{sizes[-1]}:mean_test_accuracy"]
    return scores


def sample_efficiency(
    represent: Represent,
    data: Any,
    *,
    predictor: str = "logistic_regression",
    sizes: Sequence[int] = SIZES,
    num_test: int = NUM_TEST,
    seed: int = 0,
) -> dict[str, float]:
    """Sample efficiency of a representation on a scene or data set: `sample_efficiency_scores` on a seeded draw.

    Parameters
    ----------
    represent : callable
        uint8 images (N, H, W, C) -> (N, d) array, e.g. ``encoders.Encoder.encode``.
    data : scene or data set
        Gives ``factors`` and ``sample(n, seed=)``; factor classes as `crl.downstream.classes`.
    predictor : {"logistic_regression", "gbt"}
        The classifier (disentanglement_lib runs the task once with each).
    sizes : sequence of int
        Training sizes (disentanglement_lib: 10, 100, 1,000, 10,000).
    num_test : int
        Test points (disentanglement_lib: 5,000).
    seed : int
        Seeds the draw and the boosted trees.

    Returns
    -------
    dict of str to float
        As `sample_efficiency_scores`.
    """
    check_inputs(represent, data)
    check_predictor(predictor)
    sizes = _check_sizes(sizes, predictor)
    check_count(num_test, "num_test", 1)
    draw = data.sample(sizes[-1] + num_test, seed=seed)
    z = encode_images(represent, draw.images)
    y = factor_classes(data, draw.factors)
    return sample_efficiency_scores(z[:-num_test], y[:-num_test], z[-num_test:], y[-num_test:], sizes=sizes,
                                    predictor=predictor, seed=seed)


def _check_sizes(sizes: Sequence[int], predictor: str) -> list[int]:
    """Sorted distinct training sizes; ValueError unless at least two, each large enough for the predictor."""
    minimum = CV_FOLDS if predictor == "logistic_regression" else 2
    values = list(sizes)
    for size in values:
        check_count(size, "each of sizes", minimum)
    if len(set(values)) < 2 or len(set(values)) != len(values):
        raise ValueError(f"sizes must hold at least two distinct training sizes, none repeated; got {values}")
    return sorted(values)


def _size_scores(size: int, train: np.ndarray, test: np.ndarray) -> dict[str, float]:
    """disentanglement_lib's keys for one training size."""
    scores = {
        f"{size}:mean_train_accuracy": float(np.mean(train)),
        f"{size}:mean_test_accuracy": float(np.mean(test)),
        f"{size}:min_train_accuracy": float(np.min(train)),
        f"{size}:min_test_accuracy": float(np.min(test)),
    }
    for i in range(len(train)):
        scores[f"{size}:train_accuracy_factor_{i}"] = float(train[i])
        scores[f"{size}:test_accuracy_factor_{i}"] = float(test[i])
    return scores
