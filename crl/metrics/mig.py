"""Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs").

Same definition and defaults as disentanglement_lib's `mig.py`: latents are discretised
into 20 equal-width histogram bins per dimension, factors are used as discrete labels,
mutual information is in nats, and each factor's gap is normalised by its entropy.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from crl.metrics.discretize import (
    NUM_BINS,
    check_num_bins,
    discrete_entropy,
    discrete_mutual_info,
    histogram_discretize,
)
from crl.metrics.inputs import check_labels, check_pair
from crl.metrics.sampling import EncodeFn, check_count, check_scene, sample_table
from crl.protocols import GroundTruthData

NUM_TRAIN = 10_000
"""disentanglement_lib's `mig.num_train`."""


def mig(latents: Any, factors: Any, num_bins: int = NUM_BINS) -> float:
    """Mean over factors of (top minus second-top latent mutual information) / factor entropy.

    `latents` (N, d) with d >= 2, `factors` (N, k) discrete labels; rows are samples.
    1 means each factor is captured by one latent alone; 0 means no gap.
    """
    check_num_bins(num_bins)
    z, y = check_pair(latents, factors, min_latents=2)
    check_labels(y)
    return mig_from_arrays(z, y, num_bins)


def mig_from_arrays(z: np.ndarray, y: np.ndarray, num_bins: int) -> float:
    """MIG of arrays already checked by `mig` (or drawn by a sampler): the computation alone.

    Parameters
    ----------
    z : numpy.ndarray
        Latents (N, d), d >= 2.
    y : numpy.ndarray
        Discrete factor labels (N, k), every column varying.
    num_bins : int
        Histogram bins per latent.

    Returns
    -------
    float
    """
    info = discrete_mutual_info(histogram_discretize(z, num_bins), y)  # (d, k)
    ranked = np.sort(info, axis=0)[::-1]
    return float(np.mean((ranked[0, :] - ranked[1, :]) / discrete_entropy(y)))


def compute_mig(
    scene: GroundTruthData, encode_fn: EncodeFn, *, num_train: int = NUM_TRAIN, num_bins: int = NUM_BINS, seed: int = 0
) -> float:
    """MIG on `num_train` observations sampled from `scene` (seeded) and encoded with `encode_fn`.

    Continuous factors are labelled by 20 equal-width bins over their declared range.
    """
    check_scene(scene, encode_fn)
    check_count(num_train, "num_train", 2)
    check_num_bins(num_bins)
    table = sample_table(scene, encode_fn, num_train, seed)
    return mig(table.latents, table.labels, num_bins)
