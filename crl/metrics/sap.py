"""Separated Attribute Predictability (Kumar et al. 2018, "Variational Inference of Disentangled
Latent Concepts from Unlabeled Observations", Section 3).

Same definition and defaults as disentanglement_lib's `sap_score.py`: for discrete factors the
score of (latent i, factor j) is the test accuracy of `LinearSVC(C=0.01, class_weight="balanced")`
trained on latent i alone; for continuous factors it is the squared correlation on the train rows.
SAP is the mean over factors of the gap between the two best latents.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.svm import LinearSVC

from crl.metrics.inputs import check_fraction, check_labels, check_pair
from crl.metrics.sampling import EncodeFn, check_count, check_scene, sample_table
from crl.protocols import GroundTruthData

NUM_TRAIN = 10_000
NUM_TEST = 5_000
TRAIN_FRACTION = NUM_TRAIN / (NUM_TRAIN + NUM_TEST)
"""disentanglement_lib's `sap_score.num_train` / `num_test`, and the train share they imply (2/3)."""


def sap(latents: Any, factors: Any, train_fraction: float = TRAIN_FRACTION, continuous_factors: bool = False) -> float:
    """SAP score: mean over factors of the gap between the two latents that predict it best.

    Discrete factors: classifiers fit on the first ceil(N * train_fraction) rows (in order) and
    scored on the rest. `continuous_factors=True`: squared correlation on the train rows
    only, as disentanglement_lib does. Needs d >= 2.
    """
    z, y = check_pair(latents, factors, min_latents=2)
    if not continuous_factors:
        check_labels(y)
    n_train = check_fraction(train_fraction, len(z))
    return sap_from_split(z[:n_train], y[:n_train], z[n_train:], y[n_train:], continuous_factors)


def sap_from_split(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, continuous_factors: bool
) -> float:
    """SAP of train and test arrays already checked by `sap` (or drawn by a sampler): the computation alone.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray
        Latents (N, d), d >= 2, of the train and test rows.
    y_train, y_test : numpy.ndarray
        Factors (N, k) of the same rows: discrete labels, or raw values with `continuous_factors`.
    continuous_factors : bool
        Score by squared correlation on the train rows instead of classifier accuracy.

    Returns
    -------
    float
    """
    scores = _score_matrix(z_train, y_train, z_test, y_test, continuous_factors)  # (d, k)
    ranked = np.sort(scores, axis=0)
    return float(np.mean(ranked[-1, :] - ranked[-2, :]))


def _score_matrix(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, continuous_factors: bool
) -> np.ndarray:
    """(d, k) predictability of each factor from each single latent."""
    scores = np.zeros((z_train.shape[1], y_train.shape[1]))
    for i in range(z_train.shape[1]):
        for j in range(y_train.shape[1]):
            if continuous_factors:
                cov = np.cov(z_train[:, i], y_train[:, j], ddof=1)
                if cov[0, 0] > 1e-12:
                    scores[i, j] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1])
            else:
                classifier = LinearSVC(C=0.01, class_weight="balanced")
                classifier.fit(z_train[:, i : i + 1], y_train[:, j])
                scores[i, j] = np.mean(classifier.predict(z_test[:, i : i + 1]) == y_test[:, j])
    return scores


def compute_sap(
    scene: GroundTruthData,
    encode_fn: EncodeFn,
    *,
    num_train: int = NUM_TRAIN,
    num_test: int = NUM_TEST,
    continuous_factors: bool = False,
    seed: int = 0,
) -> float:
    """SAP on `num_train` + `num_test` observations sampled from `scene` (seeded), encoded with `encode_fn`.

    With continuous_factors=False (the default, as disentanglement_lib) continuous factors are
    labelled by 20 equal-width bins; with True the raw factor values are correlated.
    """
    check_scene(scene, encode_fn)
    check_count(num_train, "num_train", 2)
    check_count(num_test, "num_test", 1)
    table = sample_table(scene, encode_fn, num_train + num_test, seed)
    z, y = check_pair(table.latents, table.values if continuous_factors else table.labels, min_latents=2)
    return sap_from_split(z[:num_train], y[:num_train], z[num_train:], y[num_train:], continuous_factors)
