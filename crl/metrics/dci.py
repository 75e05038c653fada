"""Disentanglement, Completeness and Informativeness (Eastwood & Williams 2018).

Same definition and defaults as disentanglement_lib's `dci.py`: one scikit-learn
`GradientBoostingClassifier` (library defaults) per factor, trained on the train rows;
importances are absolute feature importances; entropies use base d (per latent) and
base k (per factor) with 1e-11 added; informativeness is the classifiers' accuracy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.stats
from sklearn.ensemble import GradientBoostingClassifier

from crl.metrics.inputs import check_fraction, check_labels, check_pair
from crl.metrics.sampling import EncodeFn, check_count, check_scene, sample_table
from crl.protocols import GroundTruthData

NUM_TRAIN = 10_000
NUM_TEST = 5_000
TRAIN_FRACTION = NUM_TRAIN / (NUM_TRAIN + NUM_TEST)
"""disentanglement_lib's `dci.num_train` / `dci.num_test`, and the train share they imply (2/3)."""


@dataclass(frozen=True)
class DCIScore:
    """DCI parts: disentanglement (the main score), completeness, train and test accuracy."""

    disentanglement: float
    completeness: float
    informativeness_train: float
    informativeness_test: float


def dci(latents: Any, factors: Any, train_fraction: float = TRAIN_FRACTION, seed: int = 0) -> DCIScore:
    """DCI scores with classifiers fit on the first ceil(N * train_fraction) rows, tested on the rest.

    The split takes rows in order (disentanglement_lib's `split_train_test`): shuffle first if
    rows are sorted. Default 2/3 matches its 10,000 train / 5,000 test points. `seed` is the
    classifiers' random_state (it only breaks ties between equally good splits).
    """
    z, y = check_pair(latents, factors)
    check_labels(y)
    n_train = check_fraction(train_fraction, len(z))
    return dci_from_split(z[:n_train], y[:n_train], z[n_train:], y[n_train:], seed)


def dci_from_split(z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, seed: int) -> DCIScore:
    """DCI of train and test arrays already checked by `dci` (or drawn by a sampler): the computation alone.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray
        Latents (N, d) of the train and test rows.
    y_train, y_test : numpy.ndarray
        Discrete factor labels (N, k) of the same rows.
    seed : int
        The boosted trees' random_state.

    Returns
    -------
    DCIScore
    """
    importance, acc_train, acc_test = _importance_gbt(z_train, y_train, z_test, y_test, seed)
    return DCIScore(
        disentanglement=_weighted_purity(importance),
        completeness=_weighted_purity(importance.T),
        informativeness_train=acc_train,
        informativeness_test=acc_test,
    )


def _importance_gbt(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, seed: int
) -> tuple[np.ndarray, float, float]:
    """(d, k) importance matrix of boosted trees predicting each factor, and mean train/test accuracy."""
    importance = np.zeros((z_train.shape[1], y_train.shape[1]))
    acc_train, acc_test = [], []
    for j in range(y_train.shape[1]):
        model = GradientBoostingClassifier(random_state=seed).fit(z_train, y_train[:, j])
        importance[:, j] = np.abs(model.feature_importances_)
        acc_train.append(np.mean(model.predict(z_train) == y_train[:, j]))
        acc_test.append(np.mean(model.predict(z_test) == y_test[:, j]))
    return importance, float(np.mean(acc_train)), float(np.mean(acc_test))


def _weighted_purity(importance: np.ndarray) -> float:
    """Sum over rows of (1 - entropy of the row over columns) weighted by the row's share of importance.

    Rows are latents for disentanglement, factors (the transpose) for completeness.
    """
    if importance.shape[1] == 1:  # a single column: every row is trivially pure (log base 1 is undefined)
        purity = np.ones(importance.shape[0])
    else:
        purity = 1.0 - scipy.stats.entropy(importance.T + 1e-11, base=importance.shape[1])
    if importance.sum() == 0.0:
        importance = np.ones_like(importance)
    weight = importance.sum(axis=1) / importance.sum()
    return float(np.sum(purity * weight))


def compute_dci(
    scene: GroundTruthData, encode_fn: EncodeFn, *, num_train: int = NUM_TRAIN, num_test: int = NUM_TEST, seed: int = 0
) -> DCIScore:
    """DCI on `num_train` + `num_test` observations sampled from `scene` (seeded), encoded with `encode_fn`."""
    check_scene(scene, encode_fn)
    check_count(num_train, "num_train", 2)
    check_count(num_test, "num_test", 1)
    table = sample_table(scene, encode_fn, num_train + num_test, seed)
    z, y = check_pair(table.latents, table.labels)
    return dci_from_split(z[:num_train], y[:num_train], z[num_train:], y[num_train:], seed)
