"""Modularity and explicitness (Ridgeway & Mozer 2018, "Learning Deep Disentangled Embeddings
With the F-Statistic Loss").

Same definition and defaults as disentanglement_lib's `modularity_explicitness.py`:
modularity from the mutual information between 20-bin histogram-discretised latents and
factor labels on the train rows; explicitness as the macro one-vs-rest ROC-AUC of a
scikit-learn `LogisticRegression()` (library defaults) on latents standardised with the
train mean and standard deviation.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import MultiLabelBinarizer

from crl.metrics.discretize import NUM_BINS, check_num_bins, discrete_mutual_info, histogram_discretize
from crl.metrics.inputs import check_fraction, check_labels, check_pair
from crl.metrics.sampling import EncodeFn, check_count, check_scene, sample_table
from crl.protocols import GroundTruthData

NUM_TRAIN = 10_000
NUM_TEST = 5_000
TRAIN_FRACTION = NUM_TRAIN / (NUM_TRAIN + NUM_TEST)
"""disentanglement_lib's `modularity_explicitness.num_train` / `num_test`, and their train share (2/3)."""


@dataclass(frozen=True)
class ModularityScore:
    """Modularity (the main score) and explicitness (ROC-AUC) on the train and test rows."""

    modularity: float
    explicitness_train: float
    explicitness_test: float


def modularity_explicitness(
    latents: Any, factors: Any, train_fraction: float = TRAIN_FRACTION, num_bins: int = NUM_BINS
) -> ModularityScore:
    """Modularity and explicitness, fit on the first ceil(N * train_fraction) rows and tested on the rest.

    Modularity is 1 when each latent carries information about one factor only; explicitness
    is 1 when a linear classifier on the latents separates every factor's classes.
    """
    check_num_bins(num_bins)
    z, y = check_pair(latents, factors)
    check_labels(y)
    n_train = check_fraction(train_fraction, len(z))
    for part, rows in (("train", y[:n_train]), ("test", y[n_train:])):  # ROC-AUC needs two classes in each part
        single = [j for j in range(y.shape[1]) if len(np.unique(rows[:, j])) < 2]
        if single:
            raise ValueError(f"factors column(s) {single} take a single value in the {part} rows (train_fraction="
                             f"{train_fraction}); explicitness needs two classes in each part: shuffle the rows or add some")
    return modularity_explicitness_from_split(z[:n_train], y[:n_train], z[n_train:], y[n_train:], num_bins)


def modularity_explicitness_from_split(
    z_train: np.ndarray, y_train: np.ndarray, z_test: np.ndarray, y_test: np.ndarray, num_bins: int
) -> ModularityScore:
    """Modularity and explicitness of arrays already checked by `modularity_explicitness`: the computation alone.

    Parameters
    ----------
    z_train, z_test : numpy.ndarray
        Latents (N, d) of the train and test rows.
    y_train, y_test : numpy.ndarray
        Discrete factor labels (N, k) of the same rows.
    num_bins : int
        Histogram bins per latent for the mutual information.

    Returns
    -------
    ModularityScore
    """
    info = discrete_mutual_info(histogram_discretize(z_train, num_bins), y_train)
    mean, std = z_train.mean(axis=0), z_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)  # a constant latent stays constant (zero) instead of NaN
    x_train, x_test = (z_train - mean) / std, (z_test - mean) / std
    per_factor = np.array([_explicitness(x_train, y_train[:, j], x_test, y_test[:, j]) for j in range(y_train.shape[1])])
    return ModularityScore(
        modularity=_modularity(info),
        explicitness_train=float(per_factor[:, 0].mean()),
        explicitness_test=float(per_factor[:, 1].mean()),
    )


def _modularity(info: np.ndarray) -> float:
    """Mean over latents of 1 - (squared MI off the best factor) / (best squared MI * (k - 1)).

    Latents with no information score 0. With one factor every informative latent scores 1.
    """
    squared = np.square(info)
    best = squared.max(axis=1)
    score = np.zeros(len(best))
    informative = best > 0
    if squared.shape[1] == 1:
        score[informative] = 1.0
    else:
        deviation = (squared.sum(axis=1) - best)[informative] / (best[informative] * (squared.shape[1] - 1.0))
        score[informative] = 1.0 - deviation
    return float(np.mean(score))


def _explicitness(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> tuple[float, float]:
    """Macro one-vs-rest ROC-AUC of a logistic regression for one factor, on train and test rows.

    Classes absent from a set are left out of that set's average (disentanglement_lib would fail there).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # library default max_iter, as the reference
        classifier = LogisticRegression().fit(x_train, y_train)
    return _macro_auc(classifier, x_train, y_train), _macro_auc(classifier, x_test, y_test)


def _macro_auc(classifier: LogisticRegression, x: np.ndarray, y: np.ndarray) -> float:
    """Mean ROC-AUC over the classifier's classes that both occur and are absent somewhere in `y`."""
    truth = MultiLabelBinarizer(classes=classifier.classes_).fit_transform(y[:, None])
    keep = (truth.sum(axis=0) > 0) & (truth.sum(axis=0) < len(y))
    if not keep.any():
        return float("nan")
    truth, scores = truth[:, keep], classifier.predict_proba(x)[:, keep]
    if truth.shape[1] == 1:
        return float(roc_auc_score(truth[:, 0], scores[:, 0]))
    return float(roc_auc_score(truth, scores))


def compute_modularity_explicitness(
    scene: GroundTruthData,
    encode_fn: EncodeFn,
    *,
    num_train: int = NUM_TRAIN,
    num_test: int = NUM_TEST,
    num_bins: int = NUM_BINS,
    seed: int = 0,
) -> ModularityScore:
    """Modularity and explicitness on observations sampled from `scene` (seeded), encoded with `encode_fn`."""
    check_scene(scene, encode_fn)
    check_count(num_train, "num_train", 2)
    check_count(num_test, "num_test", 1)
    check_num_bins(num_bins)
    table = sample_table(scene, encode_fn, num_train + num_test, seed)
    z, y = check_pair(table.latents, table.labels)
    return modularity_explicitness_from_split(z[:num_train], y[:num_train], z[num_train:], y[num_train:], num_bins)
